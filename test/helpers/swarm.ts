/**
 * The real Docker engine in swarm mode (started by .ci/run). Missing on a laptop:
 * the suite skips and says why; missing under CI=true: it fails.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Engine, engineEndpoint } from '../../src/lib/docker.js'
import { SwarmStore } from '../../src/stores/swarm.js'

export function swarmAvailable(): boolean {
  const probe = spawnSync('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'], { encoding: 'utf8' })
  const active = probe.status === 0 && probe.stdout.trim() === 'active'
  if (!active && process.env.CI)
    throw new Error(
      'a Docker engine in swarm mode is required under CI=true (.ci/run starts dockerd and swarm init)',
    )
  if (!active) console.warn('skipped: no Docker engine in swarm mode here (see .ci/run for how to start one)')
  return active
}

export const engine = () => new Engine(engineEndpoint(process.env))

/** A prefix no other test (or the other Node version's run) uses. */
export function uniquePrefix(what: string): string {
  return `t${what}${randomBytes(3).toString('hex')}`
}

/** Remove the services and every secret a prefix owns. */
export async function cleanSwarm(prefix: string, services: readonly string[] = []): Promise<void> {
  const e = engine()
  for (const s of services) await e.call('DELETE', `/services/${s}`, undefined, [200, 404])
  const store = new SwarmStore(e, prefix)
  for (let i = 0; i < 50; i++) {
    const left = await store.versions()
    if (left.length === 0) return
    // a removed service's tasks release their secrets a moment later
    for (const v of left) await e.call('DELETE', `/secrets/${v.id}`, undefined, [200, 204, 404, 400])
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** `docker ...` for test set-up only (hush itself talks to the Engine API). */
export function docker(args: readonly string[], input?: string): string {
  const r = spawnSync('docker', args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) })
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout.trim()
}

/**
 * A container image holding this Node binary and its shared libraries, imported from a local root
 * file system (no registry here). Tagged by Node version, built once per engine.
 */
export function nodeImage(): string {
  const tag = `hush-test-node:${process.versions.node}`
  if (spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status === 0) return tag
  const root = mkdtempSync(join(tmpdir(), 'hush-rootfs-'))
  const libs = spawnSync('ldd', [process.execPath], { encoding: 'utf8' })
    .stdout.split('\n')
    .flatMap((l) => /(\/\S+) \(0x/.exec(l)?.[1] ?? [])
  for (const path of [...libs, process.execPath]) {
    const to = path === process.execPath ? join(root, 'bin', 'node') : join(root, path)
    mkdirSync(dirname(to), { recursive: true })
    copyFileSync(path, to)
  }
  chmodSync(join(root, 'bin', 'node'), 0o755)
  mkdirSync(join(root, 'tmp'), { mode: 0o1777 })
  const tar = spawnSync('sh', ['-c', `tar -C ${root} -c . | docker import - ${tag}`], { encoding: 'utf8' })
  rmSync(root, { recursive: true, force: true })
  if (tar.status !== 0) throw new Error(`docker import failed: ${tar.stderr}`)
  return tag
}

/** Create a service (host network, so 127.0.0.1 reaches it, unless `hostNetwork: false`) and wait until its tasks run. */
export async function createService(options: {
  name: string
  image: string
  command: readonly string[]
  secrets?: readonly { source: string; target: string }[]
  env?: Readonly<Record<string, string>>
  mounts?: readonly { source: string; target: string }[]
  replicas?: number
  hostNetwork?: boolean
  extra?: readonly string[]
}): Promise<void> {
  docker([
    'service',
    'create',
    '--detach',
    '--quiet',
    '--name',
    options.name,
    ...(options.hostNetwork === false ? [] : ['--network', 'host']),
    '--replicas',
    String(options.replicas ?? 1),
    '--update-monitor',
    '2s',
    '--stop-grace-period',
    '5s',
    ...(options.secrets ?? []).flatMap((s) => ['--secret', `source=${s.source},target=${s.target}`]),
    ...Object.entries(options.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...(options.mounts ?? []).flatMap((m) => [
      '--mount',
      `type=bind,source=${m.source},target=${m.target},readonly`,
    ]),
    ...(options.extra ?? []),
    options.image,
    ...options.command,
  ])
  await waitRunning(options.name, options.replicas ?? 1)
}

/** Wait until `want` tasks of a service run (a service hush or `docker stack deploy` created or updated). */
export async function waitRunning(name: string, want = 1): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const running = docker([
      'service',
      'ps',
      name,
      '--filter',
      'desired-state=running',
      '--format',
      '{{.CurrentState}}',
    ])
      .split('\n')
      .filter((l) => l.startsWith('Running')).length
    if (running >= want) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`service ${name} did not start`)
}

/** The secret object names a service mounts, by target. */
export function mountsOf(service: string): Record<string, string> {
  const refs = JSON.parse(
    docker(['service', 'inspect', service, '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Secrets}}']),
  ) as { SecretName: string; File: { Name: string } }[]
  return Object.fromEntries(refs.map((r) => [r.File.Name, r.SecretName]))
}

/** GET a path on 127.0.0.1; resolves to status and body, or rejects on a connection error. */
export function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (res) => {
      let body = ''
      res.on('data', (d) => {
        body += d
      })
      res.on('end', () => done({ status: res.statusCode ?? 0, body }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', fail)
    req.end()
  })
}
