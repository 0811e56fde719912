import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readValueFile } from '../../src/lib/fs-safe.js'
import { readRegularFile } from '../../src/lib/regular-file.js'
import { ENDLESS_DEVICES, mkfifo, unixSocket } from '../helpers/special-files.js'

const follow = { maxBytes: 1024, followSymlinks: true }
const noFollow = { maxBytes: 1024, followSymlinks: false }

describe('readRegularFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hush-regular-'))
  writeFileSync(join(dir, 'plain'), 'value\n')
  symlinkSync('plain', join(dir, 'link'))
  mkdirSync(join(dir, 'dir'))
  mkfifo(join(dir, 'fifo'))
  symlinkSync('fifo', join(dir, 'link-to-fifo'))

  it('reads a regular file, and a link to one when links are followed', () => {
    for (const name of ['plain', 'link']) {
      const r = readRegularFile(join(dir, name), follow)
      expect(r.status === 'read' && r.data.toString()).toBe('value\n')
    }
    expect(readRegularFile(join(dir, 'missing'), follow)).toEqual({ status: 'absent' })
    expect(readRegularFile(join(dir, 'plain', 'below'), follow)).toEqual({ status: 'absent' })
  })

  it('names what a non-regular file is and never opens a FIFO or a device', async () => {
    const server = await unixSocket(join(dir, 'sock'))
    try {
      expect(readRegularFile(join(dir, 'dir'), follow)).toEqual({
        status: 'not-regular',
        type: 'a directory',
      })
      expect(readRegularFile(join(dir, 'fifo'), follow)).toEqual({ status: 'not-regular', type: 'a FIFO' })
      expect(readRegularFile(join(dir, 'link-to-fifo'), follow)).toEqual({
        status: 'not-regular',
        type: 'a FIFO',
      })
      expect(readRegularFile(join(dir, 'sock'), follow)).toEqual({ status: 'not-regular', type: 'a socket' })
      for (const device of ENDLESS_DEVICES)
        expect(readRegularFile(device, follow)).toEqual({ status: 'not-regular', type: 'a character device' })
    } finally {
      server.close()
    }
  })

  it('without following links, a link is refused as a link', () => {
    expect(readRegularFile(join(dir, 'link'), noFollow)).toEqual({
      status: 'not-regular',
      type: 'a symbolic link',
    })
    expect(readRegularFile(join(dir, 'plain'), noFollow).status).toBe('read')
  })

  it('reads at most maxBytes: exactly the cap passes, one more byte does not', () => {
    writeFileSync(join(dir, 'eight'), '12345678')
    expect(readRegularFile(join(dir, 'eight'), { maxBytes: 8, followSymlinks: true }).status).toBe('read')
    expect(readRegularFile(join(dir, 'eight'), { maxBytes: 7, followSymlinks: true })).toEqual({
      status: 'too-large',
      size: 8,
    })
    // procfs reports size 0: the read itself stops one byte past the cap
    expect(readRegularFile('/proc/self/status', { maxBytes: 16, followSymlinks: true })).toEqual({
      status: 'too-large',
      size: 17,
    })
    const whole = readRegularFile('/proc/self/status', { maxBytes: 1 << 20, followSymlinks: true })
    expect(whole.status === 'read' && whole.data.toString()).toMatch(/^Name:/)
  })
})

describe('readValueFile', () => {
  it('throws HUSH_E_IO for a FIFO instead of blocking, and strips one newline from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-value-'))
    writeFileSync(join(dir, 'v'), 'abc\n\n')
    expect(readValueFile(join(dir, 'v'))).toBe('abc\n')
    expect(() => readValueFile(mkfifo(join(dir, 'fifo')))).toThrow(
      `cannot read ${join(dir, 'fifo')}: it is a FIFO, not a regular file`,
    )
    expect(() => readValueFile(join(dir, 'v'), { maxBytes: 4 })).toThrow(/it is over the size cap/)
  })
})
