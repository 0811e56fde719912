import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { gen } from '../../../src/core/generate/gen.js'
import { rotate } from '../../../src/core/rotate/engine.js'
import { project, tmpProject } from '../../helpers/project.js'

const manifest = `version: 1
project: demo
environments: { development: { path: secrets } }
secrets:
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring, grace: 7d } }
  api_token: { generate: base64:32, rotate: { every: 30d, consumers: restart } }
  api_url: { derive: "x://{{api_token}}" }
`
const NOW = new Date('2026-03-01T12:00:00.000Z')
const DAY = 86_400_000
const PATH = ['PLANNED', 'GENERATED', 'APPLIED', 'VERIFIED', 'DISTRIBUTED', 'PROMOTED', 'GRACE']

async function setup(now: () => Date = () => NOW) {
  const dir = tmpProject(manifest)
  const p = await project(dir, 'development', now)
  await gen(p)
  return { dir, p, read: (name: string) => readFileSync(join(dir, 'secrets', name), 'utf8') }
}

/** every file under .hush (journal lines, audit log), as text */
function stateText(dir: string): string {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name)
      if (e.isDirectory()) walk(path)
      else if (e.name.endsWith('.jsonl')) out.push(readFileSync(path, 'utf8'))
    }
  }
  walk(join(dir, '.hush'))
  return out.join('\n')
}

const states = (r: { steps: { state: string }[] }) => r.steps.map((s) => s.state)

describe('rotate: the step machine', () => {
  it('a keyring rotation stops at GRACE until frozen clock + 7d, and retire reaches REVOKED', async () => {
    const { dir, p, read } = await setup()
    const old = read('jwt_secret_primary')
    const r = await rotate(p, 'jwt_secret')
    expect(r.state).toBe('GRACE')
    expect(states(r)).toEqual(PATH)
    expect(r.graceUntil).toBe(new Date(NOW.getTime() + 7 * DAY).toISOString())
    expect(r.fromFingerprint).toBe(p.fingerprint(old))
    const fresh = read('jwt_secret_primary')
    expect(fresh).not.toBe(old)
    expect(r.toFingerprint).toBe(p.fingerprint(fresh))
    expect(read('jwt_secret')).toBe(fresh)
    expect(read('jwt_secret_previous')).toBe(old) // the old key still verifies in grace

    // resuming inside the grace window waits
    const waiting = await rotate(p, 'jwt_secret', 'resume')
    expect(waiting.state).toBe('GRACE')
    expect(waiting.steps).toEqual([])

    const done = await rotate(p, 'jwt_secret', 'retire')
    expect(done.state).toBe('REVOKED')
    expect(states(done)).toEqual(['REVOKED'])
    expect(read('jwt_secret_previous')).toBe(fresh)
    expect(read('jwt_secret_primary')).toBe(fresh)

    const text = stateText(dir)
    for (const v of [old, fresh]) expect(text).not.toContain(v)
  })

  it('a resumed keyring job past the grace window (clock moved on) reaches REVOKED', async () => {
    let now = NOW
    const { p } = await setup(() => now)
    await rotate(p, 'jwt_secret')
    now = new Date(NOW.getTime() + 7 * DAY + 1)
    const r = await rotate(p, 'jwt_secret', 'resume')
    expect(r.state).toBe('REVOKED')
  })

  it('a replace rotation recomputes the derived secret at PROMOTED and has no grace', async () => {
    const { dir, p, read } = await setup()
    const old = read('api_token')
    const r = await rotate(p, 'api_token')
    const fresh = read('api_token')
    expect(fresh).not.toBe(old)
    expect(read('api_url')).toBe(`x://${fresh}`)
    expect(r.steps.find((s) => s.state === 'PROMOTED')?.note).toContain('api_url')
    // graceMs 0 without a rotator: GRACE ends at once
    expect(states(r)).toEqual([...PATH, 'REVOKED'])
    expect(r.state).toBe('REVOKED')
    const text = stateText(dir)
    for (const v of [old, fresh, `x://${fresh}`]) expect(text).not.toContain(v)
  })

  it('calls the failpoint before and after each step, in order', async () => {
    const { p } = await setup()
    const points: string[] = []
    await rotate(p, 'jwt_secret', 'start', { failpoint: (x) => points.push(x) })
    expect(points).toEqual(PATH.flatMap((s) => [`before:${s}`, s]))
  })

  it('a crash after VERIFIED is journaled FAILED; resume continues with the same pending value', async () => {
    const { dir, p, read } = await setup()
    const old = read('jwt_secret_primary')
    const crash = (x: string) => {
      if (x === 'VERIFIED') throw new Error('simulated crash')
    }
    await expect(rotate(p, 'jwt_secret', 'start', { failpoint: crash })).rejects.toThrow('simulated crash')
    const pending = read('jwt_secret_previous')
    expect(pending).not.toBe(old) // APPLIED: the new key is in the verify set
    expect(read('jwt_secret_primary')).toBe(old)

    const jobDir = join(dir, '.hush', 'jobs', 'development', 'jwt_secret')
    const journal = readdirSync(jobDir).find((f) => f.endsWith('.jsonl')) as string
    const lines = readFileSync(join(jobDir, journal), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => l.state)).toEqual(['PLANNED', 'GENERATED', 'APPLIED', 'VERIFIED', 'FAILED'])
    // the FAILED line names the last step journaled, even when the failure comes right after it
    expect(lines.at(-1).detail).toEqual({ step: 'VERIFIED', code: 'HUSH_E_INTERNAL' })

    // a new start is refused while the job is open
    await expect(rotate(p, 'jwt_secret')).rejects.toMatchObject({ code: 'HUSH_E_LOCKED' })

    const r = await rotate(p, 'jwt_secret', 'resume')
    expect(states(r)).toEqual(['DISTRIBUTED', 'PROMOTED', 'GRACE'])
    expect(r.state).toBe('GRACE')
    expect(read('jwt_secret_primary')).toBe(pending) // the value generated before the crash, not a new one
    expect(read('jwt_secret_previous')).toBe(old)
    const text = stateText(dir)
    for (const v of [old, pending]) expect(text).not.toContain(v)
  })

  it('abort after a crash before PROMOTED puts the key ring back', async () => {
    const { dir, p, read } = await setup()
    const old = read('jwt_secret_primary')
    const crash = (x: string) => {
      if (x === 'before:DISTRIBUTED') throw new Error('simulated crash')
    }
    await expect(rotate(p, 'jwt_secret', 'start', { failpoint: crash })).rejects.toThrow('simulated crash')
    expect(read('jwt_secret_previous')).not.toBe(old)
    const r = await rotate(p, 'jwt_secret', 'abort')
    expect(r.state).toBe('ABORTED')
    expect(states(r)).toEqual(['ABORTED'])
    expect(read('jwt_secret_previous')).toBe(old)
    expect(read('jwt_secret_primary')).toBe(old)
    expect(read('jwt_secret')).toBe(old)
    const jobDir = join(dir, '.hush', 'jobs', 'development', 'jwt_secret')
    expect(readdirSync(jobDir).filter((f) => f.endsWith('.pending'))).toEqual([])
    // the job is closed: a new rotation may start
    await expect(rotate(p, 'jwt_secret', 'resume')).rejects.toMatchObject({ code: 'HUSH_E_USAGE' })
  })

  it('abort is refused once the job is past PROMOTED', async () => {
    const { p } = await setup()
    await rotate(p, 'jwt_secret')
    await expect(rotate(p, 'jwt_secret', 'abort')).rejects.toMatchObject({ code: 'HUSH_E_USAGE' })
  })

  it('abort is refused when PROMOTED was cut off after it made the new value current; resume finishes it', async () => {
    const { p, read } = await setup()
    const cut = (point: string) => {
      if (point === 'before:PROMOTED') throw new Error('killed')
    }
    await expect(rotate(p, 'api_token', 'start', { failpoint: cut })).rejects.toThrow('killed')
    const fresh = read('api_token')
    await expect(rotate(p, 'api_token', 'abort')).rejects.toMatchObject({
      code: 'HUSH_E_USAGE',
      hint: expect.stringContaining('--resume'),
    })
    expect(read('api_token')).toBe(fresh) // nothing put back
    expect((await rotate(p, 'api_token', 'resume')).state).toBe('REVOKED')
    expect(read('api_token')).toBe(fresh)
  })
})
