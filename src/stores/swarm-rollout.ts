/**
 * Put values into a swarm and move the services onto them: each entry gets the
 * version holding its fingerprint (an existing one when a value comes back, as
 * after an abort; otherwise `_v<N+1>`), every service that mounts an older
 * version of the entry is updated to the new object at the same target path
 * (`--secret-rm old --secret-add source=new,target=<entry>`), start-first
 * where the service allows it (swarm-order.ts), and hush waits until each
 * update converges, reporting each service's progress. A service that does not converge is rolled back
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
import {
  hostNetworksOf,
  ownOrderBack,
  ownUpdateConfig,
  type Restart,
  restartOf,
  startFirst,
} from './swarm-order.js'
import type { RollEvent, RollReport, WriteEntry, WriteMeta } from './types.js'

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
  /** called with each step of the rollout (names and counts only) */
  readonly progress?: Progress
  /** poll interval (tests shorten it) */
  readonly pollMs?: number
}

type Progress = (event: RollEvent) => void

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

interface Update {
  readonly service: SwarmService
  readonly secretIds: string[]
}

/** Update one service onto its new secret references, start-first where it can (swarm-order.ts). */
async function update(
  swarm: Swarm,
  service: SwarmService,
  refs: ServiceSecretRef[],
  restart: Restart,
  progress: Progress,
): Promise<Update> {
  const spec = service.Spec
  const name = spec.Name
  progress({ event: 'service', service: name, state: 'updating', ...restart })
  if (restart.reason)
    progress({
      event: 'warning',
      message: `service ${name} restarts stop-first (${restart.reason}): each task stops before its replacement starts`,
    })
  const moved = {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: { ...spec.TaskTemplate.ContainerSpec, Secrets: refs },
    },
  }
  // the switch and the record of the service's own order go in one update (a label), so a crash
  // before the restore leaves the intent on the service, and the next run puts it back
  const switched = restart.order === 'start-first' && ownUpdateConfig(spec)?.Order !== 'start-first'
  await swarm.engine.call(
    'POST',
    `/services/${service.ID}/update?version=${service.Version.Index}`,
    switched ? startFirst(moved) : moved,
  )
  return { service, secretIds: refs.map((r) => r.SecretID) }
}

/**
 * Put the service's own update order back once hush's update converged: the next update of the
 * service (a new image, a migration) is its owner's, in the order they chose. The spec keeps only
 * the secret references hush moved. Changing UpdateConfig alone restarts no task.
 */
async function restoreOrder(swarm: Swarm, u: Update): Promise<void> {
  const { body: now } = await swarm.engine.call<SwarmService>('GET', `/services/${u.service.ID}`)
  const spec = ownOrderBack(now.Spec) // undefined: hush did not switch it (or someone restored it meanwhile)
  if (spec)
    await swarm.engine.call('POST', `/services/${u.service.ID}/update?version=${now.Version.Index}`, spec)
}

export async function rollOut(
  swarm: Swarm,
  entries: readonly WriteEntry[],
  options: RolloutOptions,
): Promise<RollReport> {
  const progress: Progress = options.progress ?? (() => {})
  const { all, target, created } = await versionsFor(swarm, entries)
  const byId = new Map([...all, ...target.values()].map((v) => [v.id, v]))
  const services = await swarm.services()
  const moving = services.flatMap((service) => {
    const refs = retarget(service, byId, target)
    return refs ? [{ service, refs }] : []
  })
  // a service a cut-off run left switched (hush's label still on it) gets its own order back now
  for (const service of services)
    if (ownOrderBack(service.Spec) && !moving.some((m) => m.service.ID === service.ID))
      await restoreOrder(swarm, { service, secretIds: [] })
  const hostNetworks = await hostNetworksOf(
    swarm.engine,
    moving.map((m) => m.service),
  )
  const updates: Update[] = []
  for (const { service, refs } of moving)
    updates.push(await update(swarm, service, refs, restartOf(service.Spec, hostNetworks), progress))
  const failed: string[] = []
  await Promise.all(
    updates.map(async (u) => {
      const name = u.service.Spec.Name
      if (await converged(swarm, u.service.ID, u.secretIds, { ...options, progress }, name)) {
        progress({ event: 'service', service: name, state: 'converged' })
        // best effort: the update is done; a service left start-first is a service that can overlap
        return restoreOrder(swarm, u).catch((err: Error) =>
          progress({
            event: 'warning',
            message: `service ${name} keeps start-first: putting its own update order back failed (${err.message})`,
          }),
        )
      }
      failed.push(name)
      await rollback(swarm, u.service.ID)
      progress({ event: 'service', service: name, state: 'rolled back' })
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

/**
 * Wait until the update completed and every task meant to run runs and mounts the new versions,
 * reporting the counts whenever they change.
 */
async function converged(
  swarm: Swarm,
  id: string,
  secretIds: readonly string[],
  options: RolloutOptions & { readonly progress: Progress },
  name: string,
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs
  const filters = encodeURIComponent(JSON.stringify({ service: [id], 'desired-state': ['running'] }))
  let last = ''
  while (Date.now() < deadline) {
    const { body: service } = await swarm.engine.call<SwarmService>('GET', `/services/${id}`)
    const state = service.UpdateStatus?.State ?? 'completed'
    if (/paused|rollback/.test(state)) return false
    const { body: tasks } = await swarm.engine.call<Task[]>('GET', `/tasks?filters=${filters}`)
    const want = service.Spec.Mode?.Replicated?.Replicas ?? tasks.length
    const running = tasks.filter((t) => t.Status?.State === 'running')
    const ready = running.filter((t) =>
      secretIds.every((s) => t.Spec?.ContainerSpec?.Secrets?.some((r) => r.SecretID === s)),
    )
    if (state === 'completed' && ready.length >= want && ready.length === tasks.length) return true
    const counts = { running: running.length, updated: ready.length, desired: want }
    if (JSON.stringify(counts) !== last)
      options.progress({ event: 'service', service: name, state: 'converging', ...counts })
    last = JSON.stringify(counts)
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
