/**
 * Put values into a swarm and move the services onto them: each entry gets the
 * version holding its fingerprint (an existing one when a value comes back, as
 * after an abort; otherwise `_v<N+1>`), every service that mounts an older
 * version of the entry is updated to the new object at the same target path
 * (`--secret-rm old --secret-add source=new,target=<entry>`), and hush waits
 * until each update converges. A service that does not converge is rolled back
 * and the call fails with HUSH_E_DISTRIBUTE.
 */
import { mapLimit } from '../lib/concurrency.js'
import type { Engine } from '../lib/docker.js'
import { HushError } from '../lib/errors.js'
import {
  ENGINE_CONCURRENCY,
  type ServiceSecretRef,
  type SwarmService,
  type SwarmVersion,
} from './swarm-objects.js'
import type { RollReport, WriteEntry, WriteMeta } from './types.js'

/** What a rollout needs of the swarm store. */
interface Swarm {
  readonly engine: Engine
  versions(): Promise<SwarmVersion[]>
  services(): Promise<SwarmService[]>
  create(
    name: string,
    value: string,
    meta: WriteMeta,
    previous: SwarmVersion | undefined,
  ): Promise<SwarmVersion>
  removeVersions(versions: readonly SwarmVersion[]): Promise<void>
}

export interface RolloutOptions {
  /** how long a service update may take before it is rolled back */
  readonly timeoutMs: number
  /** called with a line of progress (names only) */
  readonly progress?: (line: string) => void
  /** poll interval (tests shorten it) */
  readonly pollMs?: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The version each entry should be at: the newest one with its fingerprint, or a new one. */
async function versionsFor(swarm: Swarm, entries: readonly WriteEntry[]) {
  const all = await swarm.versions()
  const created: string[] = []
  const target = new Map<string, SwarmVersion>()
  await mapLimit(entries, ENGINE_CONCURRENCY, async (e) => {
    const mine = all.filter((v) => v.entry === e.name)
    const match = mine.filter((v) => v.fingerprint === e.meta.fingerprint).at(-1)
    if (match) return target.set(e.name, match)
    const next = await swarm.create(e.name, e.value, e.meta, mine.at(-1))
    created.push(next.objectName)
    target.set(e.name, next)
  })
  return { all, target, created: created.sort() }
}

/** The service's secret list with every hush entry in `target` pointed at its target version. */
function retarget(
  service: SwarmService,
  byId: ReadonlyMap<string, SwarmVersion>,
  target: ReadonlyMap<string, SwarmVersion>,
): ServiceSecretRef[] | undefined {
  const refs = service.Spec.TaskTemplate.ContainerSpec?.Secrets ?? []
  let changed = false
  const next = refs.map((ref) => {
    const want = target.get(byId.get(ref.SecretID)?.entry ?? '')
    if (!want || want.id === ref.SecretID) return ref
    changed = true
    return { ...ref, SecretID: want.id, SecretName: want.objectName }
  })
  return changed ? next : undefined
}

export async function rollOut(
  swarm: Swarm,
  entries: readonly WriteEntry[],
  options: RolloutOptions,
): Promise<RollReport> {
  const { all, target, created } = await versionsFor(swarm, entries)
  const byId = new Map([...all, ...target.values()].map((v) => [v.id, v]))
  const updates: { service: SwarmService; secretIds: string[] }[] = []
  for (const service of await swarm.services()) {
    const refs = retarget(service, byId, target)
    if (!refs) continue
    const spec = service.Spec
    const containerSpec = { ...spec.TaskTemplate.ContainerSpec, Secrets: refs }
    options.progress?.(`updating service ${spec.Name}`)
    await swarm.engine.call('POST', `/services/${service.ID}/update?version=${service.Version.Index}`, {
      ...spec,
      TaskTemplate: { ...spec.TaskTemplate, ContainerSpec: containerSpec },
    })
    updates.push({ service, secretIds: refs.map((r) => r.SecretID) })
  }
  const failed: string[] = []
  await Promise.all(
    updates.map(async ({ service, secretIds }) => {
      if (await converged(swarm, service.ID, secretIds, options)) return
      failed.push(service.Spec.Name)
      await rollback(swarm, service.ID)
    }),
  )
  if (failed.length > 0)
    throw new HushError(
      'HUSH_E_DISTRIBUTE',
      `service ${failed.sort().join(', ')} did not converge on the new secret versions; rolled back`,
      {
        hint: 'see `docker service ps <service>` for the failing tasks; the old values stay valid, so fix the service and resume',
      },
    )
  return { created, services: updates.map((u) => u.service.Spec.Name).sort() }
}

interface Task {
  Status?: { State?: string }
  Spec?: { ContainerSpec?: { Secrets?: ServiceSecretRef[] } }
}

/** Wait until the update completed and every task meant to run runs and mounts the new versions. */
async function converged(
  swarm: Swarm,
  id: string,
  secretIds: readonly string[],
  options: RolloutOptions,
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs
  const filters = encodeURIComponent(JSON.stringify({ service: [id], 'desired-state': ['running'] }))
  while (Date.now() < deadline) {
    const { body: service } = await swarm.engine.call<
      SwarmService & { Spec: { Mode?: { Replicated?: { Replicas?: number } } } }
    >('GET', `/services/${id}`)
    const state = service.UpdateStatus?.State ?? 'completed'
    if (/paused|rollback/.test(state)) return false
    const { body: tasks } = await swarm.engine.call<Task[]>('GET', `/tasks?filters=${filters}`)
    const want = service.Spec.Mode?.Replicated?.Replicas ?? tasks.length
    const ready = tasks.filter(
      (t) =>
        t.Status?.State === 'running' &&
        secretIds.every((s) => t.Spec?.ContainerSpec?.Secrets?.some((r) => r.SecretID === s)),
    )
    if (state === 'completed' && ready.length >= want && ready.length === tasks.length) return true
    await sleep(options.pollMs ?? 500)
  }
  return false
}

/** `docker service rollback`: back to the spec before our update. */
async function rollback(swarm: Swarm, id: string): Promise<void> {
  const { body: service } = await swarm.engine.call<SwarmService>('GET', `/services/${id}`)
  await swarm.engine.call(
    'POST',
    `/services/${id}/update?version=${service.Version.Index}&rollback=previous`,
    service.Spec,
  )
}

/**
 * Delete the versions of the given entries whose fingerprint is not the one to
 * keep and that no service mounts (REVOKED, abort, push --prune).
 */
export async function dropStale(swarm: Swarm, keep: ReadonlyMap<string, string>): Promise<string[]> {
  const stale = (await swarm.versions()).filter(
    (v) => keep.has(v.entry) && keep.get(v.entry) !== v.fingerprint,
  )
  if (stale.length === 0) return []
  const mounted = new Set<string>()
  for (const s of await swarm.services())
    for (const ref of s.Spec.TaskTemplate.ContainerSpec?.Secrets ?? []) mounted.add(ref.SecretID)
  const unused = stale.filter((v) => !mounted.has(v.id))
  await swarm.removeVersions(unused)
  return unused.map((v) => v.objectName).sort()
}
