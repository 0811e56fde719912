/** hush rollback: the value a rotation replaced comes back through the same steps; kept for rotate.retain. */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { gen } from '../../../src/core/generate/gen.js'
import { rotate } from '../../../src/core/rotate/engine.js'
import { project, tmpProject } from '../../helpers/project.js'

const manifest = `version: 1
project: demo
environments: { development: { path: s } }
secrets:
  session_key: { generate: base64:32, rotate: { every: 30d, consumers: restart, retain: 10d } }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring, grace: 7d } }
`
const T0 = new Date('2026-03-01T12:00:00.000Z')
const DAY = 86_400_000

async function setup() {
  const dir = tmpProject(manifest)
  let now = T0
  const at = (days: number) => {
    now = new Date(T0.getTime() + days * DAY)
  }
  const p = await project(dir, 'development', () => now)
  await gen(p)
  const read = (name: string) => readFileSync(join(dir, 's', name), 'utf8')
  const kept = (name: string) => readdirSync(join(dir, '.hush', 'history', 'development', name)).sort()
  return { dir, p, at, read, kept }
}

describe('rollback', () => {
  it('puts back the value the last rotation replaced; a second rollback goes forward again', async () => {
    const { dir, p, read, kept } = await setup()
    const v1 = read('session_key')
    await rotate(p, 'session_key')
    const v2 = read('session_key')
    expect(v2).not.toBe(v1)
    const back = await rotate(p, 'session_key', 'rollback')
    expect(back.state).toBe('REVOKED')
    expect(read('session_key')).toBe(v1)
    await rotate(p, 'session_key', 'rollback')
    expect(read('session_key')).toBe(v2)
    // every replaced value is kept, 0600 in a 0700 directory
    const dirOf = join(dir, '.hush', 'history', 'development', 'session_key')
    expect(statSync(dirOf).mode & 0o777).toBe(0o700)
    for (const f of kept('session_key')) expect(statSync(join(dirOf, f)).mode & 0o777).toBe(0o600)
    const audit = readFileSync(join(dir, '.hush', 'audit.jsonl'), 'utf8')
    expect(audit).toContain('"action":"rollback"')
    expect(audit).not.toContain(v1)
  })

  it('forgets replaced values after rotate.retain', async () => {
    const { p, at, read, kept } = await setup()
    const v1 = read('session_key')
    await rotate(p, 'session_key') // job at day 0 keeps v1
    expect(kept('session_key')).toHaveLength(1)
    at(11)
    await rotate(p, 'session_key') // day 11: keeps v2; v1 (11 days old > 10d) is forgotten at REVOKED
    expect(kept('session_key')).toHaveLength(1)
    await rotate(p, 'session_key', 'rollback')
    expect(read('session_key')).not.toBe(v1)
  })

  it('is refused when nothing is kept, and for a job whose new value is not live yet', async () => {
    const { p } = await setup()
    await expect(rotate(p, 'session_key', 'rollback')).rejects.toThrow(/no earlier value of session_key/)
    await expect(
      rotate(p, 'jwt_secret', 'start', {
        failpoint: (point) => {
          if (point === 'APPLIED') throw new Error('killed')
        },
      }),
    ).rejects.toThrow('killed')
    await expect(rotate(p, 'jwt_secret', 'rollback')).rejects.toMatchObject({
      hint: expect.stringContaining('--abort'),
    })
  })

  it('a key ring in its grace window: the job is finished, then the old key is primary again', async () => {
    const { p, read } = await setup()
    const old = read('jwt_secret_primary')
    const r = await rotate(p, 'jwt_secret')
    expect(r.state).toBe('GRACE')
    const fresh = read('jwt_secret_primary')
    const back = await rotate(p, 'jwt_secret', 'rollback')
    // the grace job ends without revoking (both keys verify throughout), then the rollback runs
    expect(back.steps.map((s) => s.state)).toEqual([
      'ABORTED',
      'PLANNED',
      'GENERATED',
      'APPLIED',
      'VERIFIED',
      'DISTRIBUTED',
      'PROMOTED',
      'GRACE',
    ])
    expect(back.state).toBe('GRACE') // the rollback's own grace: the key it replaced still verifies
    expect(read('jwt_secret_primary')).toBe(old)
    expect(read('jwt_secret_previous')).toBe(fresh)
    await rotate(p, 'jwt_secret', 'retire')
    expect(read('jwt_secret_previous')).toBe(old) // the rolled-back key is gone from the verify set
  })
})
