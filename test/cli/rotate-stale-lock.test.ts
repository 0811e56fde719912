/**
 * `hush rotate --resume` right after the rotating hush was SIGKILLed under a parent that never
 * reaps it (a container whose PID 1 does not wait): its pid still answers kill(pid, 0), as a
 * zombie, and must not keep the job locked.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { procStat } from '../../src/lib/process-owner.js'
import { CLI, hush, tmpProject } from '../helpers/project.js'

const manifest = `version: 1
project: rot
environments: { development: { path: s } }
secrets:
  pw: { generate: password:24, rotate: { every: 90d, consumers: restart } }
`
const parents: ChildProcess[] = []
afterEach(() => {
  for (const p of parents.splice(0)) p.kill('SIGKILL')
})

const stateOf = (pid: number) => procStat(pid)?.state

describe.runIf(existsSync('/proc/self/stat'))('hush rotate: a SIGKILLed owner nobody reaps', () => {
  it('--resume takes over the lock of the zombie and finishes the job', async () => {
    const dir = tmpProject(manifest)
    expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
    // sh starts hush in the background and becomes `sleep`, which never reaps it once it dies
    const parent = spawn('sh', ['-c', `"${process.execPath}" "${CLI}" rotate pw & echo $!; exec sleep 120`], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? '', // this test file's audit key (test/helpers/user-config.ts)
        HUSH_FAILPOINT: 'GENERATED',
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    parents.push(parent)
    const pid = await new Promise<number>((done) =>
      parent.stdout!.once('data', (d) => done(Number(String(d).trim().split('\n')[0]))),
    )
    for (let state = stateOf(pid); state !== 'Z'; state = stateOf(pid)) {
      if (state === undefined) throw new Error(`hush (pid ${pid}) was reaped: no zombie to test with`)
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(() => process.kill(pid, 0)).not.toThrow() // the zombie answers the pid check
    const lock = join(dir, '.hush', 'jobs', 'development', 'pw', 'lock')
    expect(readFileSync(lock, 'utf8')).toContain(String(pid)) // it died holding the lock

    const resumed = await hush(['rotate', 'pw', '--resume'], { cwd: dir })
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(existsSync(lock)).toBe(false)
  }, 60_000)
})
