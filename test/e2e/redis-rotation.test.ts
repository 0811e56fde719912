/** Rotation of a Redis ACL user's password against a real redis-server on loopback. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hush, tmpProject } from '../helpers/project.js'
import { available, loginLoop, type RunningServer, redisLogin, startRedis } from '../helpers/servers.js'

const ADMIN = 'admin-Vt8q2LmZ4xR9pW3k'
const INITIAL = 'init-Q8v2x9LmP4tR7wZ1bN5c'
const haveRedis = available('redis-server')

const login = redisLogin

describe.runIf(haveRedis)('redis rotator (real redis-server)', () => {
  let redis: RunningServer
  beforeAll(async () => {
    redis = await startRedis([`user default on >${ADMIN} ~* &* +@all`, `user app on >${INITIAL} ~* &* +@all`])
  })
  afterAll(() => redis?.stop())

  async function project(user = 'app'): Promise<string> {
    const dir = tmpProject(`version: 1
project: redisrot
environments: { development: { path: s } }
secrets:
  redis_admin_password: { provide: true }
  redis_password: { generate: password:24, rotate: { every: 90d, via: cache, grace: 1s } }
rotators:
  cache: { type: redis, host: 127.0.0.1, port: ${redis.port}, user: ${user}, admin: redis_admin_password }
`)
    expect((await hush(['set', 'redis_admin_password', '--stdin'], { cwd: dir, input: ADMIN })).code).toBe(0)
    expect(
      (await hush(['set', 'redis_password', '--stdin'], { cwd: dir, input: await currentPassword() })).code,
    ).toBe(0)
    return dir
  }
  // the app user's password carries over between tests: read it back from the last project
  let lastDir: string | undefined
  const currentPassword = async () =>
    lastDir ? readFileSync(join(lastDir, 's', 'redis_password'), 'utf8') : INITIAL

  it('rotates with zero authentication failures for a client reconnecting in a tight loop', async () => {
    const dir = await project()
    lastDir = dir
    const old = readFileSync(join(dir, 's', 'redis_password'), 'utf8')
    // a consumer that reads its secret file on every (re)connect
    const client = loginLoop(() => login(redis.port, readFileSync(join(dir, 's', 'redis_password'), 'utf8')))
    const t0 = Date.now()
    const r = await hush(['rotate', 'redis_password'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('(GRACE)')
    expect(await login(redis.port, old)).toBe(true) // both passwords work during the grace window
    await new Promise((res) => setTimeout(res, 1200))
    const due = await hush(['rotate', '--due'], { cwd: dir })
    expect(due.code, due.stderr).toBe(0)
    expect(due.stdout).toContain('revoked')
    const elapsed = Date.now() - t0
    await new Promise((res) => setTimeout(res, 200))
    const { ok, failed } = await client.stop()
    console.log(
      `redis rotation: ${ok + failed} logins during rotation, ${failed} failed; rotate + grace + revoke took ${elapsed} ms`,
    )
    expect(failed).toBe(0)
    expect(ok).toBeGreaterThan(10)
    const now = readFileSync(join(dir, 's', 'redis_password'), 'utf8')
    expect(await login(redis.port, now)).toBe(true)
    expect(await login(redis.port, old)).toBe(false)
    // persisted: the ACL file on disk reloads to the same state
    const admin = new Redis({ port: redis.port, password: ADMIN })
    await admin.call('ACL', 'LOAD')
    admin.disconnect()
    expect(await login(redis.port, now)).toBe(true)
    expect(await login(redis.port, old)).toBe(false)

    // rollback: the replaced password is added back beside the current one, then the rotated one removed
    const back = loginLoop(() => login(redis.port, readFileSync(join(dir, 's', 'redis_password'), 'utf8')))
    const rb = await hush(['rollback', 'redis_password'], { cwd: dir })
    expect(rb.code, rb.stderr).toBe(0)
    await new Promise((res) => setTimeout(res, 1200))
    expect((await hush(['rotate', '--due'], { cwd: dir })).code).toBe(0)
    const after = await back.stop()
    console.log(`redis rollback: ${after.ok + after.failed} logins during rollback, ${after.failed} failed`)
    expect(after.failed).toBe(0)
    expect(readFileSync(join(dir, 's', 'redis_password'), 'utf8')).toBe(old)
    expect(await login(redis.port, old)).toBe(true)
    expect(await login(redis.port, now)).toBe(false)
  })

  for (const point of ['GENERATED', 'before:APPLIED', 'APPLIED', 'VERIFIED', 'PROMOTED', 'GRACE'])
    it(`killed at ${point}: the password consumers read always works, and --resume completes`, async () => {
      const dir = await project()
      lastDir = dir
      const old = readFileSync(join(dir, 's', 'redis_password'), 'utf8')
      const killed = await hush(['rotate', 'redis_password'], { cwd: dir, env: { HUSH_FAILPOINT: point } })
      expect(killed.code).toBe(null)
      expect(await login(redis.port, readFileSync(join(dir, 's', 'redis_password'), 'utf8'))).toBe(true)
      const resumed = await hush(['rotate', 'redis_password', '--resume'], { cwd: dir })
      expect(resumed.code, resumed.stderr).toBe(0)
      if (point === 'before:APPLIED') expect(resumed.stdout).toContain('the new password already works')
      await new Promise((res) => setTimeout(res, 1100))
      expect((await hush(['rotate', '--due'], { cwd: dir })).code).toBe(0)
      const now = readFileSync(join(dir, 's', 'redis_password'), 'utf8')
      expect(now).not.toBe(old)
      expect(await login(redis.port, now)).toBe(true)
      expect(await login(redis.port, old)).toBe(false)
    })

  it('a failing step leaves the job FAILED and the current password working; --abort closes it', async () => {
    const dir = await project()
    lastDir = dir
    const current = readFileSync(join(dir, 's', 'redis_password'), 'utf8')
    // the admin password is wrong: the server refuses ACL SETUSER
    expect(
      (
        await hush(['set', 'redis_admin_password', '--stdin'], {
          cwd: dir,
          input: 'wrong-admin-password-123',
        })
      ).code,
    ).toBe(0)
    const r = await hush(['rotate', 'redis_password'], { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('redis rotator cache: ACL SETUSER app failed')
    expect(r.stderr).not.toContain(current)
    const st = await hush(['status', '--json'], { cwd: dir })
    expect(JSON.parse(st.stdout).jobs).toEqual([
      expect.objectContaining({ secret: 'redis_password', state: 'FAILED', problem: 'failed' }),
    ])
    expect((await hush(['status', '--check'], { cwd: dir })).code).toBe(3)
    expect(readFileSync(join(dir, 's', 'redis_password'), 'utf8')).toBe(current)
    expect(await login(redis.port, current)).toBe(true)
    expect((await hush(['set', 'redis_admin_password', '--stdin'], { cwd: dir, input: ADMIN })).code).toBe(0)
    expect((await hush(['rotate', 'redis_password', '--abort'], { cwd: dir })).code).toBe(0)
    expect(JSON.parse((await hush(['status', '--json'], { cwd: dir })).stdout).jobs).toEqual([])
    expect(await login(redis.port, current)).toBe(true)
  })
})

describe.runIf(haveRedis)('redis requirepass mode (real redis-server)', () => {
  it('is refused without --allow-downtime, and rotates the server password with it', async () => {
    const server = await startRedis([`user default on >${INITIAL} ~* &* +@all`])
    try {
      const dir = tmpProject(`version: 1
project: redispass
environments: { development: { path: s } }
secrets:
  redis_password: { generate: password:24, rotate: { every: 90d, via: cache } }
rotators:
  cache: { type: redis, mode: requirepass, host: 127.0.0.1, port: ${server.port} }
`)
      expect((await hush(['set', 'redis_password', '--stdin'], { cwd: dir, input: INITIAL })).code).toBe(0)
      const refused = await hush(['rotate', 'redis_password'], { cwd: dir })
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain('--allow-downtime')
      expect(JSON.parse((await hush(['status', '--json'], { cwd: dir })).stdout).jobs).toEqual([])
      const r = await hush(['rotate', 'redis_password', '--allow-downtime'], { cwd: dir })
      expect(r.code, r.stderr).toBe(0)
      const now = readFileSync(join(dir, 's', 'redis_password'), 'utf8')
      expect(await login(server.port, now, 'default')).toBe(true)
      expect(await login(server.port, INITIAL, 'default')).toBe(false)
    } finally {
      await server.stop()
    }
  })
})
