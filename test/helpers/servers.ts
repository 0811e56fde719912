/**
 * Real servers for the tests, started on loopback in a temp dir. A missing
 * server binary skips the suite on a laptop (with the reason) and FAILS it
 * under CI=true, where .ci/run installs everything.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function available(binary: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0
  if (!found && process.env.CI) throw new Error(`${binary} is required under CI=true (.ci/run installs it)`)
  if (!found) console.warn(`skipped: ${binary} is not installed here (apt-get install it to run these tests)`)
  return found
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

export interface RunningServer {
  readonly port: number
  readonly dir: string
  stop(): Promise<void>
}

export async function waitFor(probe: () => Promise<boolean>, what: string, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${what} did not start`)
}

export function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.on('exit', () => resolve())
      child.kill('SIGTERM')
    })
}

/** redis-server with an ACL file (one `user …` rule per line), on `port` or a free one. */
export async function startRedis(aclRules: readonly string[], port?: number): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hush-redis-'))
  port ??= await freePort()
  writeFileSync(join(dir, 'users.acl'), `${aclRules.join('\n')}\n`)
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--aclfile',
      join(dir, 'users.acl'),
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  )
  // any RESP reply to PING (+PONG, or -NOAUTH when the default user has a password) means it is up
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
        socket.on('data', () => {
          socket.destroy()
          resolve(true)
        })
        socket.on('error', () => resolve(false))
      }),
    'redis-server',
  )
  return { port, dir, stop: stopper(child) }
}

/** The directory of initdb/postgres: on PATH, or Debian's /usr/lib/postgresql/<v>/bin. */
export function postgresBin(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v initdb']).stdout?.toString().trim()
  if (onPath) return join(onPath, '..')
  const found = spawnSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1'])
    .stdout?.toString()
    .trim()
  return found || undefined
}

export function postgresAvailable(): boolean {
  const bin = postgresBin()
  if (!bin && process.env.CI)
    throw new Error('PostgreSQL (initdb, postgres) is required under CI=true (.ci/run installs it)')
  if (!bin) console.warn('skipped: PostgreSQL is not installed here (apt-get install postgresql)')
  return bin !== undefined
}

/**
 * A PostgreSQL cluster on loopback with SCRAM authentication and superuser
 * `postgres` / `superPassword`, on `port` or a free one. initdb refuses to run as root, so as root it
 * runs as the `postgres` OS user.
 */
export async function startPostgres(superPassword: string, port?: number): Promise<RunningServer> {
  const bin = postgresBin()!
  const dir = mkdtempSync(join(tmpdir(), 'hush-pg-'))
  port ??= await freePort()
  const asRoot = process.getuid?.() === 0
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' })
      : spawnSync(cmd, args, { encoding: 'utf8' })
  writeFileSync(join(dir, 'pw'), superPassword)
  if (asRoot) spawnSync('chown', ['-R', 'postgres', dir])
  const init = run(join(bin, 'initdb'), [
    '-D',
    join(dir, 'data'),
    '-U',
    'postgres',
    '--auth=scram-sha-256',
    `--pwfile=${join(dir, 'pw')}`,
    '-E',
    'UTF8',
  ])
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`)
  const args = [
    '-D',
    join(dir, 'data'),
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ]
  const child = asRoot
    ? spawn('runuser', ['-u', 'postgres', '--', join(bin, 'postgres'), ...args], { stdio: 'ignore' })
    : spawn(join(bin, 'postgres'), args, { stdio: 'ignore' })
  const pg = (await import('pg')).default
  await waitFor(async () => {
    const c = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password: superPassword,
      database: 'postgres',
    })
    c.on('error', () => {})
    try {
      await c.connect()
      await c.end()
      return true
    } catch {
      return false
    }
  }, 'postgres')
  return { port, dir, stop: stopper(child) }
}

/** A client that logs in again and again (reading its secret each time) until stopped; counts what failed. */
export function loginLoop(attempt: () => Promise<boolean>): {
  stop(): Promise<{ ok: number; failed: number }>
} {
  let ok = 0
  let failed = 0
  let running = true
  const loop = (async () => {
    while (running) (await attempt()) ? ok++ : failed++
  })()
  return {
    async stop() {
      running = false
      await loop
      return { ok, failed }
    },
  }
}

/** Whether a Redis user logs in with a password (one connection, no retries). */
export async function redisLogin(port: number, password: string, username = 'app'): Promise<boolean> {
  const { Redis } = await import('ioredis')
  const c = new Redis({
    port,
    username,
    password,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  })
  c.on('error', () => {})
  try {
    await c.connect()
    return (await c.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    c.disconnect()
  }
}
