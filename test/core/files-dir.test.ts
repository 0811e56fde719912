/** The `hush run --files` directory: its name records its owner, and directories of dead owners are swept. */
import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { removeStaleSecretsDirs, writeSecretsDir } from '../../src/core/inject/files-dir.js'
import { currentOwner } from '../../src/lib/process-owner.js'

const ns = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]!
const me = currentOwner().start!

/** The pid of a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn('true')
  await new Promise((done) => child.on('close', done))
  return child.pid!
}

describe('hush run --files directories', () => {
  it('are named after their owner: pid namespace, pid and start time', async () => {
    const base = mkdtempSync(join(tmpdir(), 'hush-shm-'))
    const dir = await writeSecretsDir([], base)
    expect(readdirSync(base)).toEqual([dir.path.slice(base.length + 1)])
    expect(dir.path).toMatch(new RegExp(`/hush-run-${ns}\\.${process.pid}\\.${me}-[A-Za-z0-9]{6}$`))
    expect(removeStaleSecretsDirs(base)).toEqual([])
    dir.remove()
  })

  it('removes the directories of dead owners and of recycled pids, and nothing else', async () => {
    const base = mkdtempSync(join(tmpdir(), 'hush-shm-'))
    const dead = await deadPid()
    const make = (name: string) => {
      mkdirSync(join(base, name), { mode: 0o700 })
      writeFileSync(join(base, name, 'api_key'), 'value')
      return name
    }
    const stale = [
      make(`hush-run-${ns}.${dead}.123-aaaaaa`),
      // this process's pid, but another start time: the pid was recycled
      make(`hush-run-${ns}.${process.pid}.1-bbbbbb`),
    ]
    const kept = [
      make(`hush-run-${ns}.${process.pid}.${me}-cccccc`), // alive
      make(`hush-run-1.${dead}.123-dddddd`), // another pid namespace: its pids are not ours to judge
      make('hush-run-eeeeee'), // no owner recorded
      make(`hush-run-${ns}.${dead}.123-ffffff-suffix`),
    ]
    const target = make('target')
    symlinkSync(join(base, target), join(base, `hush-run-${ns}.${dead}.123-gggggg`))
    writeFileSync(join(base, `hush-run-${ns}.${dead}.123-hhhhhh`), 'a file')
    const removed = removeStaleSecretsDirs(base)
    expect(removed.map((r) => r.path).sort()).toEqual(stale.map((n) => join(base, n)).sort())
    expect(removed.map((r) => r.pid).sort()).toEqual([dead, process.pid].sort())
    expect(readdirSync(base).sort()).toEqual(
      [...kept, target, `hush-run-${ns}.${dead}.123-gggggg`, `hush-run-${ns}.${dead}.123-hhhhhh`].sort(),
    )
    expect(existsSync(join(base, target, 'api_key'))).toBe(true)
  })

  it('finds nothing to do when the base directory does not exist', () => {
    expect(removeStaleSecretsDirs(join(tmpdir(), 'hush-no-such-dir'))).toEqual([])
  })
})
