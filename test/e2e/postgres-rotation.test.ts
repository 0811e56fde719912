/** Alternating-role rotation of a database password against a real PostgreSQL on loopback. */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scramVerifier } from '../../src/core/rotate/rotators/postgres.js'
import { hush, tmpProject } from '../helpers/project.js'
import { loginLoop, postgresAvailable, type RunningServer, startPostgres } from '../helpers/servers.js'

const SUPER = 'super-Kq7v2Lm9xR4tW8pZ3n5'

/** Every file under the project but the audit log, with its content: what a refused command must leave as it was. */
function snapshot(dir: string, sub = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of readdirSync(join(dir, sub))) {
    const rel = join(sub, name)
    if (rel === '.git' || rel.startsWith('.hush/audit')) continue
    if (statSync(join(dir, rel)).isDirectory()) Object.assign(out, snapshot(dir, rel))
    else out[rel] = readFileSync(join(dir, rel), 'utf8')
  }
  return out
}
const have = postgresAvailable()

/** A connected superuser client on `database`. */
async function superuser(port: number, database: string): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: SUPER, database })
  await c.connect()
  return c
}

async function query(
  port: number,
  db: string,
  user: string,
  password: string,
  sql: string,
): Promise<boolean> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port,
    user,
    password,
    database: db,
    connectionTimeoutMillis: 3000,
  })
  c.on('error', () => {})
  try {
    await c.connect()
    await c.query(sql)
    return true
  } catch {
    return false
  } finally {
    await c.end().catch(() => {})
  }
}
const connectUrl = async (url: string) => {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  c.on('error', () => {})
  try {
    await c.connect()
    await c.query('SELECT count(*) FROM items')
    return true
  } catch {
    return false
  } finally {
    await c.end().catch(() => {})
  }
}

describe.runIf(have)('postgres rotator (real PostgreSQL)', () => {
  let server: RunningServer
  let n = 0
  beforeAll(async () => {
    server = await startPostgres(SUPER)
  })
  afterAll(() => server?.stop())

  /** A fresh database with roles app_a/app_b (members of app_owner) and a project whose current password works for app_a. */
  async function project(): Promise<{ dir: string; db: string }> {
    const db = `app${++n}`
    const admin = await superuser(server.port, 'postgres')
    const initial = `init-${db}-Q8v2x9LmP4tR7wZ1`
    for (const sql of [
      `CREATE ROLE ${db}_owner NOLOGIN`,
      `CREATE ROLE ${db}_a LOGIN PASSWORD '${scramVerifier(initial)}' IN ROLE ${db}_owner`,
      `CREATE ROLE ${db}_b LOGIN PASSWORD '${scramVerifier('unused-random-1234567890')}' IN ROLE ${db}_owner`,
      `CREATE DATABASE ${db} OWNER ${db}_owner`,
    ])
      await admin.query(sql)
    await admin.end()
    const setup = await superuser(server.port, db)
    await setup.query(`SET ROLE ${db}_owner; CREATE TABLE items (id int); INSERT INTO items VALUES (1)`)
    await setup.end()
    const dir = tmpProject(`version: 1
project: pgrot
environments: { development: { path: s } }
secrets:
  postgres_admin_password: { provide: true }
  app_db_password: { generate: password:24, rotate: { every: 90d, via: appdb, grace: 1s } }
  database_url: { derive: "postgresql://{{app_db_user}}:{{app_db_password | url}}@127.0.0.1:${server.port}/${db}" }
rotators:
  appdb: { type: postgres, host: 127.0.0.1, port: ${server.port}, database: ${db}, roles: [${db}_a, ${db}_b], owner: ${db}_owner, admin: postgres_admin_password }
`)
    expect((await hush(['set', 'postgres_admin_password', '--stdin'], { cwd: dir, input: SUPER })).code).toBe(
      0,
    )
    expect((await hush(['set', 'app_db_password', '--stdin'], { cwd: dir, input: initial })).code).toBe(0)
    expect(readFileSync(join(dir, 's', 'app_db_user'), 'utf8')).toBe(`${db}_a`)
    return { dir, db }
  }
  const read = (dir: string, name: string) => readFileSync(join(dir, 's', name), 'utf8')

  it('flips to the other role with zero failures for a client reconnecting in a tight loop', async () => {
    const { dir, db } = await project()
    expect(await connectUrl(read(dir, 'database_url'))).toBe(true)
    // a consumer that reads its secret file on every (re)connect
    const client = loginLoop(() => connectUrl(read(dir, 'database_url')))
    const t0 = Date.now()
    const r = await hush(['rotate', 'app_db_password'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(read(dir, 'app_db_user')).toBe(`${db}_b`)
    await new Promise((res) => setTimeout(res, 1100))
    const due = await hush(['rotate', '--due'], { cwd: dir })
    expect(due.code, due.stderr).toBe(0)
    const elapsed = Date.now() - t0
    await new Promise((res) => setTimeout(res, 200))
    const { ok, failed } = await client.stop()
    console.log(
      `postgres rotation: ${ok + failed} connections during rotation, ${failed} failed; rotate + grace + revoke took ${elapsed} ms`,
    )
    expect(failed).toBe(0)
    expect(ok).toBeGreaterThan(5)
    expect(await query(server.port, db, `${db}_b`, read(dir, 'app_db_password'), 'SELECT 1')).toBe(true)
    expect(await query(server.port, db, `${db}_a`, `init-${db}-Q8v2x9LmP4tR7wZ1`, 'SELECT 1')).toBe(false) // old credential re-randomised

    // rollback: the replaced password comes back through the same steps (on the other role), still with zero failures
    const rotated = read(dir, 'app_db_password')
    const back = loginLoop(() => connectUrl(read(dir, 'database_url')))
    const rb = await hush(['rollback', 'app_db_password'], { cwd: dir })
    expect(rb.code, rb.stderr).toBe(0)
    await new Promise((res) => setTimeout(res, 1100))
    expect((await hush(['rotate', '--due'], { cwd: dir })).code).toBe(0)
    await new Promise((res) => setTimeout(res, 200))
    const after = await back.stop()
    console.log(
      `postgres rollback: ${after.ok + after.failed} connections during rollback, ${after.failed} failed`,
    )
    expect(after.failed).toBe(0)
    expect(after.ok).toBeGreaterThan(5)
    expect(read(dir, 'app_db_password')).toBe(`init-${db}-Q8v2x9LmP4tR7wZ1`)
    expect(read(dir, 'app_db_user')).toBe(`${db}_a`)
    expect(await connectUrl(read(dir, 'database_url'))).toBe(true)
    expect(await query(server.port, db, `${db}_b`, rotated, 'SELECT 1')).toBe(false) // the rolled-back value is retired
    const audit = await hush(['audit', 'tail', '-n', '50'], { cwd: dir })
    expect(audit.stdout).toContain('rollback:promoted')
  })

  it('a server-held password without a rotator is refused and changes nothing', async () => {
    const { dir, db } = await project()
    // the same database, but the rotator is gone: a new value in the store would lock every consumer out
    const manifest = readFileSync(join(dir, 'hush.yaml'), 'utf8')
      .replace(', via: appdb', '')
      .replace('{{app_db_user}}', `${db}_a`)
    writeFileSync(join(dir, 'hush.yaml'), manifest)
    expect((await hush(['status'], { cwd: dir })).code).toBe(0) // refreshes .hush/runtime.json for the new manifest
    const before = snapshot(dir)
    const refused = await hush(['rotate', 'app_db_password'], { cwd: dir })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('a credential a server holds')
    expect(refused.stderr).toContain('via:')
    const yes = await hush(['rotate', 'app_db_password', '--yes'], { cwd: dir })
    expect(yes.code).toBe(2) // --yes never accepts downtime
    expect(snapshot(dir)).toEqual(before)
    expect(await connectUrl(read(dir, 'database_url'))).toBe(true)
  })

  for (const point of ['GENERATED', 'before:APPLIED', 'APPLIED', 'VERIFIED', 'PROMOTED'])
    it(`killed at ${point}: the URL consumers read always works, and --resume completes`, async () => {
      const { dir, db } = await project()
      const killed = await hush(['rotate', 'app_db_password'], { cwd: dir, env: { HUSH_FAILPOINT: point } })
      expect(killed.code).toBe(null)
      expect(await connectUrl(read(dir, 'database_url'))).toBe(true)
      const resumed = await hush(['rotate', 'app_db_password', '--resume'], { cwd: dir })
      expect(resumed.code, resumed.stderr).toBe(0)
      if (point === 'before:APPLIED')
        expect(resumed.stdout).toContain('already logs in with the new password')
      expect(await connectUrl(read(dir, 'database_url'))).toBe(true)
      expect(read(dir, 'app_db_user')).toBe(`${db}_b`)
    })

  it('the password reaches the server only as a SCRAM verifier', async () => {
    const { dir, db } = await project()
    expect(
      (await hush(['rotate', 'app_db_password', '--retire', 'app_db_password'], { cwd: dir })).code,
    ).not.toBe(0) // no open job yet
    expect((await hush(['rotate', 'app_db_password'], { cwd: dir })).code).toBe(0)
    const admin = await superuser(server.port, 'postgres')
    const { rows } = await admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [`${db}_b`])
    await admin.end()
    expect(rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/)
    expect(rows[0].rolpassword).not.toContain(read(dir, 'app_db_password'))
  })
})

describe.runIf(have)('postgres single-role mode (real PostgreSQL)', () => {
  it('is refused without --allow-downtime, and rotates the one role with it', async () => {
    const server = await startPostgres(SUPER)
    try {
      const admin = await superuser(server.port, 'postgres')
      const initial = 'init-single-Q8v2x9LmP4tR7wZ1'
      await admin.query(`CREATE ROLE lone LOGIN PASSWORD '${scramVerifier(initial)}'`)
      await admin.query('CREATE DATABASE lonedb OWNER lone')
      await admin.end()
      const dir = tmpProject(`version: 1
project: pgsingle
environments: { development: { path: s } }
secrets:
  postgres_admin_password: { provide: true }
  lone_password: { generate: password:24, rotate: { every: 90d, via: db } }
rotators:
  db: { type: postgres, host: 127.0.0.1, port: ${server.port}, database: lonedb, role: lone, admin: postgres_admin_password }
`)
      expect(
        (await hush(['set', 'postgres_admin_password', '--stdin'], { cwd: dir, input: SUPER })).code,
      ).toBe(0)
      expect((await hush(['set', 'lone_password', '--stdin'], { cwd: dir, input: initial })).code).toBe(0)
      const refused = await hush(['rotate', 'lone_password'], { cwd: dir })
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain('--allow-downtime')
      const r = await hush(['rotate', 'lone_password', '--allow-downtime'], { cwd: dir })
      expect(r.code, r.stderr).toBe(0)
      const now = readFileSync(join(dir, 's', 'lone_password'), 'utf8')
      expect(await query(server.port, 'lonedb', 'lone', now, 'SELECT 1')).toBe(true)
      expect(await query(server.port, 'lonedb', 'lone', initial, 'SELECT 1')).toBe(false)
    } finally {
      await server.stop()
    }
  })

  it('the superuser rotating its own password: --abort after APPLIED logs in with the new one to put the old one back', async () => {
    const server = await startPostgres(SUPER)
    try {
      const dir = tmpProject(`version: 1
project: pgself
environments: { development: { path: s } }
secrets:
  postgres_password: { generate: password:24, rotate: { every: 90d, via: db } }
rotators:
  db: { type: postgres, host: 127.0.0.1, port: ${server.port}, role: postgres, admin: postgres_password }
`)
      expect((await hush(['set', 'postgres_password', '--stdin'], { cwd: dir, input: SUPER })).code).toBe(0)
      const killed = await hush(['rotate', 'postgres_password', '--allow-downtime'], {
        cwd: dir,
        env: { HUSH_FAILPOINT: 'APPLIED' },
      })
      expect(killed.code).toBe(null)
      expect(await query(server.port, 'postgres', 'postgres', SUPER, 'SELECT 1')).toBe(false) // the server has the new one
      const aborted = await hush(['rotate', 'postgres_password', '--abort'], { cwd: dir })
      expect(aborted.code, aborted.stderr).toBe(0)
      expect(await query(server.port, 'postgres', 'postgres', SUPER, 'SELECT 1')).toBe(true)
      expect(readFileSync(join(dir, 's', 'postgres_password'), 'utf8')).toBe(SUPER)
    } finally {
      await server.stop()
    }
  })
})
