import { promises as fs, mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fingerprinter } from '../../src/lib/fingerprint.js'
import { FilesStore } from '../../src/stores/files.js'
import { storeContract } from './contract.js'

const fp = fingerprinter(Buffer.alloc(32, 7))
const fresh = () => new FilesStore(join(mkdtempSync(join(tmpdir(), 'hush-files-')), 'secrets'), fp)

storeContract('files', {
  create: async () => fresh(),
  writeRaw: async (store, name, raw) => {
    await fs.mkdir(store.location, { recursive: true })
    writeFileSync(join(store.location, name), raw)
  },
  sidecarText: async (store) => fs.readFile(join(store.location, '.hush', 'meta.json'), 'utf8'),
})

describe('files store', () => {
  it('writes 0600 files in a 0700 directory whatever the umask', async () => {
    const old = process.umask(0o000)
    try {
      const store = fresh()
      await store.write('session_key', 'x', {
        fingerprint: 'f',
        source: 'generated',
        at: new Date().toISOString(),
      })
      expect(statSync(store.location).mode & 0o777).toBe(0o700)
      expect(statSync(join(store.location, 'session_key')).mode & 0o777).toBe(0o600)
      expect(statSync(join(store.location, '.hush')).mode & 0o777).toBe(0o700)
      expect(statSync(join(store.location, '.hush', 'meta.json')).mode & 0o777).toBe(0o600)
    } finally {
      process.umask(old)
    }
  })

  it('writes no trailing newline', async () => {
    const store = fresh()
    await store.write('k', 'value', { fingerprint: 'f', source: 'generated', at: new Date().toISOString() })
    expect(await fs.readFile(join(store.location, 'k'), 'utf8')).toBe('value')
  })

  it('lists a file put there by hand, with a fingerprint of its value', async () => {
    const store = fresh()
    await fs.mkdir(store.location, { recursive: true })
    writeFileSync(join(store.location, 'postgres_user'), 'nemo_user\n')
    writeFileSync(join(store.location, 'README.md'), 'not a secret')
    const [entry] = await store.list()
    expect(entry).toMatchObject({ name: 'postgres_user', version: 1, fingerprint: fp('nemo_user') })
    expect((await store.list()).length).toBe(1)
  })

  it('ignores and cleans up temp files a killed writer left behind', async () => {
    const store = fresh()
    await fs.mkdir(store.location, { recursive: true })
    writeFileSync(join(store.location, '.hush-tmp-k.abc123'), 'torn')
    expect(await store.list()).toEqual([])
    await store.write('k', 'v', { fingerprint: 'f', source: 'generated', at: new Date().toISOString() })
    expect((await fs.readdir(store.location)).filter((n) => n.startsWith('.hush-tmp'))).toEqual([])
  })
})
