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

async function waitFor(probe: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await probe()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${what} did not start`)
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.on('exit', () => resolve())
      child.kill('SIGTERM')
    })
}

/** redis-server with an ACL file (one `user …` rule per line). */
export async function startRedis(aclRules: readonly string[]): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hush-redis-'))
  const port = await freePort()
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
