/**
 * The real Docker engine in swarm mode (started by .ci/run). Missing on a laptop:
 * the suite skips and says why; missing under CI=true: it fails.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
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
