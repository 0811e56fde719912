/**
 * End to end on the real engine: a two-replica swarm service (a locally imported
 * image holding Node; the app bundles the hush runtime) reads its secrets from
 * /run/secrets, issues and verifies JWTs with a KeyRing and logs in to a real
 * redis-server. hush pushes the secrets, then rotates the key ring and the Redis
 * password while a client keeps calling; no request may fail.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'
import { hush, tmpProject } from '../helpers/project.js'
import { available, type RunningServer, startRedis } from '../helpers/servers.js'
import {
  cleanSwarm,
  createService,
  docker,
  httpGet as get,
  mountsOf,
  nodeImage,
  swarmAvailable,
  uniquePrefix,
} from '../helpers/swarm.js'

const ADMIN = 'admin-e2e-Hq7Lm2Vx9Rt4'
const INITIAL = 'init-e2e-Zp3Kw8Nc5Qy1Tb6'

/**
 * A client that calls the replicas like a load balancer does: a request goes to
 * one replica and moves to the other only when the connection itself fails (the
 * replica is restarting). A request fails when no replica answers or an answer is
 * not 200: a token one replica issued that the other rejects, a Redis login refused.
 */
function client(ports: readonly number[]) {
  const counts = { requests: 0, failed: 0, failovers: 0 }
  const failures: string[] = []
  let running = true
  const call = async (first: number, path: string): Promise<string | undefined> => {
    counts.requests++
    for (let i = 0; i < ports.length; i++) {
      const port = ports[(first + i) % ports.length]!
      try {
        const r = await get(port, path)
        if (r.status === 200) return r.body
        failures.push(`${path.split('?')[0]} on ${port}: ${r.status} ${r.body}`)
        counts.failed++
        return undefined
      } catch {
        counts.failovers++
      }
    }
    failures.push(`${path.split('?')[0]}: no replica answered`)
    counts.failed++
    return undefined
  }
  const loop = (async () => {
    for (let n = 0; running; n++) {
      const token = await call(n, '/token')
      if (token) await call(n + 1, `/verify?t=${token}`) // verified by the other replica
      await call(n, '/redis')
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return { ...counts, failures }
    },
  }
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

/** A base port whose next two ports are free, below the ephemeral port range. */
async function portPairBase(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 10_000)
    if ((await free(base + 1)) && (await free(base + 2))) return base
  }
}

describe.runIf(swarmAvailable() && available('redis-server'))(
  'swarm end to end (real engine, real redis)',
  () => {
    let redis: RunningServer | undefined
    const prefix = uniquePrefix('e2e')
    const service = `${prefix}_api`
    afterAll(async () => {
      await cleanSwarm(prefix, [service])
      await redis?.stop()
    }, 120_000)

    it('rotates a JWT key ring and a Redis password across a running two-replica service with no failed request', async () => {
      redis = await startRedis([
        `user default on >${ADMIN} ~* &* +@all`,
        `user app on >${INITIAL} ~* &* +@all`,
      ])
      const dir = tmpProject(`version: 1
project: ${prefix}
environments:
  production: { store: swarm, converge_timeout: 3m }
secrets:
  redis_admin_password: { provide: true }
  redis_password: { generate: password:24, rotate: { every: 90d, via: cache, grace: 1h } }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring, grace: 1h } }
rotators:
  cache: { type: redis, host: 127.0.0.1, port: ${redis.port}, user: app, admin: redis_admin_password }
services:
  api: [jwt_secret, redis_password]
`)
      const run = (args: string[], input?: string) =>
        hush([...args, '-e', 'production'], { cwd: dir, ...(input ? { input } : {}) })
      expect((await run(['set', 'redis_admin_password', '--stdin'], ADMIN)).code).toBe(0)
      expect((await run(['set', 'redis_password', '--stdin'], INITIAL)).code).toBe(0)
      expect((await run(['gen', '-q'])).code).toBe(0)
      const pushed = await run(['push'])
      expect(pushed.code, pushed.stderr).toBe(0)

      const app = mkdtempSync(join(tmpdir(), 'hush-e2e-app-'))
      await build({
        entryPoints: [resolve(import.meta.dirname, 'swarm-app/app.ts')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: join(app, 'app.cjs'),
        external: ['prom-client'],
        logLevel: 'error',
      })
      // below the ephemeral range (32768+), where the test's own client sockets could take a replica's port
      const base = await portPairBase()
      const ports = [base + 1, base + 2]
      await createService({
        name: service,
        image: nodeImage(),
        command: ['/bin/node', '/app/app.cjs'],
        replicas: 2,
        env: {
          NODE_ENV: 'production',
          PORT_BASE: String(base),
          SLOT: '{{.Task.Slot}}',
          REDIS_PORT: String(redis.port),
        },
        mounts: [{ source: app, target: '/app' }],
        secrets: ['jwt_secret_primary', 'jwt_secret_previous', 'redis_password'].map((entry) => ({
          source: `${prefix}_${entry}_v1`,
          target: entry,
        })),
        extra: ['--update-parallelism', '1', '--update-delay', '3s', '--update-order', 'stop-first'],
      })
      for (const port of ports)
        for (let i = 0; ; i++) {
          if ((await get(port, '/token').catch(() => undefined))?.status === 200) break
          if (i > 300)
            throw new Error(
              `replica on ${port} did not answer:
${docker(['service', 'ps', '--no-trunc', service])}
${docker(['service', 'logs', '--raw', service])}`,
            )
          await new Promise((r) => setTimeout(r, 200))
        }

      const calls = client(ports)
      const t0 = Date.now()
      for (const args of [
        ['rotate', 'jwt_secret'],
        ['rotate', 'redis_password'],
        ['rotate', '--retire', 'jwt_secret'],
        ['rotate', '--retire', 'redis_password'],
      ]) {
        const r = await run(args)
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
      }
      const result = await calls.stop()
      console.log(
        `swarm e2e: ${result.requests} requests during rotation (${((Date.now() - t0) / 1000).toFixed(1)} s), ${result.failed} failed, ${result.failovers} connection failovers to the other replica`,
      )
      expect(result.failures).toEqual([])
      expect(result.failed).toBe(0)
      expect(result.requests).toBeGreaterThan(100)

      // the service sees the new values at the same paths
      const local = (entry: string) => readFileSync(join(dir, '.secrets', 'production', entry), 'utf8')
      expect(Object.keys(mountsOf(service)).sort()).toEqual([
        'jwt_secret_previous',
        'jwt_secret_primary',
        'redis_password',
      ])
      for (const port of ports) {
        const files = JSON.parse((await get(port, '/files')).body)
        expect(files).toEqual({
          jwt_secret_primary: sha(local('jwt_secret_primary')),
          jwt_secret_previous: sha(local('jwt_secret_previous')),
          redis_password: sha(local('redis_password')),
        })
      }
      expect(local('redis_password')).not.toBe(INITIAL)
    }, 600_000)
  },
)
