/**
 * The lock's owner on a real Linux /proc: a live owner blocks, a dead one is taken over — also when
 * `kill(pid, 0)` would still succeed: a zombie nobody reaps, or a pid now held by another process.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { acquireLock } from '../../src/lib/lock.js'
import { currentOwner, formatOwner, ownerAlive, parseOwner, procStat } from '../../src/lib/process-owner.js'

const hasProc = existsSync('/proc/self/stat')
const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

function lockPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'hush-lock-')), 'lock')
}

const stateOf = (pid: number) => procStat(pid)?.state

/**
 * A zombie: a short `sleep` backgrounded by a shell that then becomes `sleep 60`, which never
 * reaps it. (It outlives the shell's exec, so the shell cannot reap it first.)
 */
async function zombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 60'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  children.push(parent)
  const pid = await new Promise<number>((done) =>
    parent.stdout!.once('data', (d) => done(Number(String(d).trim()))),
  )
  for (let state = stateOf(pid); state !== 'Z'; state = stateOf(pid)) {
    if (state === undefined) throw new Error(`pid ${pid} was reaped: no zombie to test with`)
    await new Promise((r) => setTimeout(r, 10))
  }
  return pid
}

/** The owner record of another live process. */
async function liveOwner(): Promise<{ pid: number; start: string; boot: string }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' })
  children.push(child)
  await new Promise((r) => child.once('spawn', r))
  const start = procStat(child.pid!)!.start
  return { pid: child.pid!, start, boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() }
}

describe('acquireLock', () => {
  it('records pid, start time and boot id, and releases', async () => {
    const path = lockPath()
    const release = await acquireLock(path)
    const owner = parseOwner(readFileSync(path, 'utf8'))!
    expect(owner.pid).toBe(process.pid)
    if (hasProc) {
      expect(owner.start).toMatch(/^\d+$/)
      expect(owner.boot).toMatch(/^[0-9a-f-]{36}$/)
    }
    await release()
    expect(existsSync(path)).toBe(false)
  })

  it('a live owner still blocks with HUSH_E_LOCKED (new and old lock formats)', async () => {
    const path = lockPath()
    writeFileSync(path, formatOwner(hasProc ? await liveOwner() : currentOwner()))
    await expect(acquireLock(path)).rejects.toMatchObject({ code: 'HUSH_E_LOCKED' })
    writeFileSync(path, String(process.pid)) // a bare pid, as older versions wrote
    await expect(acquireLock(path)).rejects.toMatchObject({ code: 'HUSH_E_LOCKED' })
  })

  it('takes over a lock whose owner is gone', async () => {
    const path = lockPath()
    const child = spawn('true')
    await new Promise((r) => child.once('exit', r))
    writeFileSync(path, formatOwner({ pid: child.pid! }))
    const release = await acquireLock(path)
    expect(parseOwner(readFileSync(path, 'utf8'))!.pid).toBe(process.pid)
    await release()
  })

  it.runIf(hasProc)(
    'takes over a lock whose pid is alive but started at another time (a recycled pid)',
    async () => {
      const path = lockPath()
      const live = await liveOwner()
      writeFileSync(path, formatOwner({ ...live, start: String(Number(live.start) + 1) }))
      expect(() => process.kill(live.pid, 0)).not.toThrow() // what the pid check alone saw
      const release = await acquireLock(path)
      expect(parseOwner(readFileSync(path, 'utf8'))!.pid).toBe(process.pid)
      await release()
    },
  )

  it.runIf(hasProc)('takes over a lock whose pid is from before a reboot', async () => {
    const path = lockPath()
    const live = await liveOwner()
    writeFileSync(path, formatOwner({ ...live, boot: '00000000-0000-0000-0000-000000000000' }))
    await (await acquireLock(path))()
  })

  it.runIf(hasProc)(
    'takes over a lock held by a zombie (an owner SIGKILLed and never reaped), in both formats',
    async () => {
      const pid = await zombie()
      expect(() => process.kill(pid, 0)).not.toThrow() // kill(pid, 0) succeeds for a zombie
      const path = lockPath()
      writeFileSync(path, String(pid))
      await (await acquireLock(path))()
      writeFileSync(path, formatOwner({ pid, boot: currentOwner().boot! }))
      await (await acquireLock(path))()
    },
    30_000,
  )

  it('takes over a lock that names no owner', async () => {
    const path = lockPath()
    writeFileSync(path, '')
    await (await acquireLock(path))()
    writeFileSync(path, '{"pid":"x"}')
    await (await acquireLock(path))()
  })
})

describe('ownerAlive', () => {
  it('is true for this process and false for a pid that does not exist', () => {
    expect(ownerAlive(currentOwner())).toBe(true)
    expect(ownerAlive({ pid: 2 ** 22 + 1 })).toBe(false)
  })
})
