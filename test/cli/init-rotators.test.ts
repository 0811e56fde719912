/**
 * What `hush init` proposes for a compose file that runs PostgreSQL and Redis works as written: the
 * servers start with the values `hush gen` made (as the images would), the user runs the setup the
 * comments in hush.yaml give, and every rotation hush proposed then succeeds against the real servers.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { git, hush } from '../helpers/project.js'
import {
  available,
  freePort,
  postgresAvailable,
  type RunningServer,
  redisLogin,
  startPostgres,
  startRedis,
} from '../helpers/servers.js'

const FIXTURE = resolve(import.meta.dirname, '../fixtures/init/stack')
const have = postgresAvailable() && available('redis-server')

/** The comment lines right above each rotator in the rendered hush.yaml. */
function rotatorComments(manifest: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  const lines = manifest.slice(manifest.indexOf('\nrotators:\n')).split('\n')
  let comments: string[] = []
  for (const line of lines) {
    const key = /^ {2}([a-z0-9_]+):$/.exec(line)
    if (line.startsWith('  # ')) comments.push(line.slice(4))
    else if (key) {
      out.set(key[1]!, comments)
      comments = []
    }
  }
  return out
}

async function pgLogin(port: number, user: string, password: string, database = 'postgres') {
  const c = new pg.Client({
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    connectionTimeoutMillis: 3000,
  })
  c.on('error', () => {})
  try {
    await c.connect()
    await c.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await c.end().catch(() => {})
  }
}

describe.runIf(have)('hush init proposals against real PostgreSQL and Redis', () => {
  let dir: string
  let pgServer: RunningServer
  let redisServer: RunningServer
  const read = (name: string) => readFileSync(join(dir, 'secrets', name), 'utf8')

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hush-init-rot-'))
    cpSync(FIXTURE, dir, { recursive: true })
    git(dir, 'init', '-q')
    const [pgPort, redisPort] = [await freePort(), await freePort()]
    const compose = join(dir, 'compose.yaml')
    writeFileSync(
      compose,
      readFileSync(compose, 'utf8')
        .replace('127.0.0.1:5433:5432', `127.0.0.1:${pgPort}:5432`)
        .replace('published: 6380', `published: ${redisPort}`),
    )
    expect((await hush(['init'], { cwd: dir })).code).toBe(0)
    const gen = await hush(['gen'], { cwd: dir })
    expect(gen.code, gen.stderr).toBe(0)
    // the servers start from what hush gen wrote, as the postgres and redis images would
    pgServer = await startPostgres(read('postgres_password'), pgPort)
    redisServer = await startRedis([`user default on >${read('redis_password')} ~* &* +@all`], redisPort)
  })
  afterAll(async () => {
    await pgServer?.stop()
    await redisServer?.stop()
  })

  it('the setup the comments give, then every proposed rotation, works against the servers', async () => {
    const manifest = readFileSync(join(dir, 'hush.yaml'), 'utf8')
    const comments = rotatorComments(manifest)
    const doc = parse(manifest) as {
      secrets: Record<string, { rotate?: { via?: string } }>
      rotators: Record<string, { roles?: string[]; port: number }>
    }
    const secretOf = (rotator: string) =>
      Object.entries(doc.secrets).find(([, s]) => s.rotate?.via === rotator)![0]
    expect(doc.rotators.db!.port).toBe(pgServer.port)

    // POSTGRES_DB creates the database; then the roles, exactly as the comments spell them
    const admin = new pg.Client({
      host: '127.0.0.1',
      port: pgServer.port,
      user: 'postgres',
      password: read('postgres_password'),
      database: 'postgres',
    })
    await admin.connect()
    await admin.query('CREATE DATABASE app')
    for (const [rotator, notes] of comments)
      for (const sql of notes.filter((n) => n.startsWith('CREATE ROLE ')))
        await admin.query(sql.replace("'…'", `'${read(secretOf(rotator))}'`))
    await admin.end()
    const cache = new Redis({ port: redisServer.port, password: read('redis_password'), lazyConnect: true })
    await cache.connect()
    for (const [rotator, notes] of comments)
      for (const note of notes) {
        const acl = /ACL SETUSER (\S+) on >… ~\* \+@all/.exec(note)
        if (acl)
          await cache.call('ACL', 'SETUSER', acl[1]!, 'on', `>${read(secretOf(rotator))}`, '~*', '+@all')
      }
    cache.disconnect()
    expect(await pgLogin(pgServer.port, read('app_db_user'), read('app_db_password'), 'app')).toBe(true)

    // a role pair: no downtime, the old role works through grace, then --retire ends it
    const appOld = read('app_db_password')
    const app = await hush(['rotate', 'app_db_password'], { cwd: dir })
    expect(app.code, app.stderr).toBe(0)
    expect(read('app_db_user')).toBe('app_db_b')
    expect(await pgLogin(pgServer.port, 'app_db_b', read('app_db_password'), 'app')).toBe(true)
    expect(await pgLogin(pgServer.port, 'app_db_a', appOld, 'app')).toBe(true)
    expect((await hush(['rotate', '--retire', 'app_db_password'], { cwd: dir })).code).toBe(0)
    expect(await pgLogin(pgServer.port, 'app_db_a', appOld, 'app')).toBe(false)
    const worker = await hush(['rotate', 'worker_db_password'], { cwd: dir })
    expect(worker.code, worker.stderr).toBe(0)
    expect(await pgLogin(pgServer.port, 'worker_db_b', read('worker_db_password'), 'app')).toBe(true)

    // redis's default user (requirepass) and an ACL user hold old and new password through grace
    for (const [secret, user] of [
      ['redis_password', 'default'],
      ['worker_cache_password', 'worker'],
    ] as const) {
      const old = read(secret)
      const r = await hush(['rotate', secret], { cwd: dir })
      expect(r.code, r.stderr).toBe(0)
      expect(await redisLogin(redisServer.port, read(secret), user)).toBe(true)
      expect(await redisLogin(redisServer.port, old, user)).toBe(true)
      expect((await hush(['rotate', '--retire', secret], { cwd: dir })).code).toBe(0)
      expect(await redisLogin(redisServer.port, old, user)).toBe(false)
    }

    // the superuser holds one password: refused without --allow-downtime, done with it
    const superOld = read('postgres_password')
    const refused = await hush(['rotate', 'postgres_password'], { cwd: dir })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--allow-downtime')
    const superRotated = await hush(['rotate', 'postgres_password', '--allow-downtime'], { cwd: dir })
    expect(superRotated.code, superRotated.stderr).toBe(0)
    expect(await pgLogin(pgServer.port, 'postgres', read('postgres_password'))).toBe(true)
    expect(await pgLogin(pgServer.port, 'postgres', superOld)).toBe(false)

    // only the application holds the session key: replaced in one go
    const session = await hush(['rotate', 'session_key'], { cwd: dir })
    expect(session.code, session.stderr).toBe(0)
    expect(session.stdout).toContain('REVOKED')
  })
})
