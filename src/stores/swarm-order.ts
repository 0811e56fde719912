/**
 * The order of hush's own service updates. Moving a service onto new secret versions changes no
 * code, only a file under /run/secrets, so the old and the new task may overlap for a moment as
 * replicas do anyway: start-first (the new task runs before the old one stops) keeps a
 * single-replica service answering through the update, where Swarm's default stop-first leaves it
 * with no task for a moment. It stays stop-first where two tasks of the service cannot run side by
 * side on one node, and whenever the service's label `hush.update-order` says so. Global services
 * get start-first too: the engine starts the replacement beside the old task on the same node.
 */

import { mapLimit } from '../lib/concurrency.js'
import type { Engine } from '../lib/docker.js'
import { ENGINE_CONCURRENCY, type SwarmService, type UpdateConfig } from './swarm-objects.js'
import type { ConsumerRestart } from './types.js'

type Spec = SwarmService['Spec']
export type Restart = Pick<ConsumerRestart, 'order' | 'reason'>

/** The label a service sets to choose the order of hush's updates itself. */
export const ORDER_LABEL = 'hush.update-order'

/**
 * The label hush sets, in the same update that switches a service to start-first, to the service's
 * own UpdateConfig (JSON; `null` for none): the intent to put it back survives a crash, and a later
 * run still knows start-first was hush's, not the owner's.
 */
export const OWN_CONFIG_LABEL = 'hush.own-update-config'

/** The service's own UpdateConfig: what hush's label recorded while it is switched, else the spec's. */
export function ownUpdateConfig(spec: Spec): UpdateConfig | undefined {
  const recorded = spec.Labels?.[OWN_CONFIG_LABEL]
  if (recorded === undefined) return spec.UpdateConfig
  try {
    const parsed: unknown = JSON.parse(recorded)
    return parsed && typeof parsed === 'object' ? (parsed as UpdateConfig) : undefined
  } catch {
    return undefined
  }
}

/** How hush's update of this service runs; `hostNetworks` are the ids (and names) of networks with the host driver. */
export function restartOf(spec: Spec, hostNetworks: ReadonlySet<string>): Restart {
  const label = spec.Labels?.[ORDER_LABEL]
  if (label === 'start-first') return { order: 'start-first' }
  if (label === 'stop-first') return { order: 'stop-first', reason: `label ${ORDER_LABEL}=stop-first` }
  // Swarm's default is stop-first: start-first in the spec is the service's own choice
  if (ownUpdateConfig(spec)?.Order === 'start-first') return { order: 'start-first' }
  // a host-mode port with a published number binds that port on the node: a second task cannot
  const port = spec.EndpointSpec?.Ports?.find((p) => p.PublishMode === 'host' && p.PublishedPort)
  if (port) return { order: 'stop-first', reason: `publishes port ${port.PublishedPort} in host mode` }
  if (spec.TaskTemplate.Networks?.some((n) => hostNetworks.has(n.Target)))
    return { order: 'stop-first', reason: 'uses the host network, where two tasks cannot share a port' }
  // one task writing to a volume may be a database: two copies must not share its files
  const single = spec.Mode?.Global !== undefined || (spec.Mode?.Replicated?.Replicas ?? 1) <= 1
  const mount = spec.TaskTemplate.ContainerSpec?.Mounts?.find(
    (m) => (m.Type === 'volume' || m.Type === 'bind') && m.ReadOnly !== true,
  )
  if (single && mount)
    return { order: 'stop-first', reason: `its single task mounts ${mount.Target ?? 'a volume'} writable` }
  return { order: 'start-first' }
}

/**
 * The spec with start-first updates, the rest of the service's own UpdateConfig kept (Swarm's
 * defaults when it has none), and that own config recorded in a label for the restore.
 */
export function startFirst(spec: Spec): Spec {
  const own = ownUpdateConfig(spec)
  const update: UpdateConfig = own ?? { Parallelism: 1, FailureAction: 'pause' }
  return {
    ...spec,
    Labels: { ...spec.Labels, [OWN_CONFIG_LABEL]: JSON.stringify(own ?? null) },
    UpdateConfig: { ...update, Order: 'start-first' },
  }
}

/** The spec with the service's own UpdateConfig back and hush's label gone; undefined when hush did not switch it. */
export function ownOrderBack(spec: Spec): Spec | undefined {
  if (spec.Labels?.[OWN_CONFIG_LABEL] === undefined) return undefined
  const own = ownUpdateConfig(spec)
  const { [OWN_CONFIG_LABEL]: _, ...labels } = spec.Labels
  const { UpdateConfig: __, ...rest } = spec
  return { ...rest, Labels: labels, ...(own ? { UpdateConfig: own } : {}) }
}

/** The ids and names of the host-driver networks these services attach to (Swarm gives the host network its own id). */
export async function hostNetworksOf(
  engine: Engine,
  services: readonly SwarmService[],
): Promise<Set<string>> {
  const targets = [
    ...new Set(services.flatMap((s) => s.Spec.TaskTemplate.Networks?.map((n) => n.Target) ?? [])),
  ]
  const host = new Set<string>(['host'])
  await mapLimit(targets, ENGINE_CONCURRENCY, async (target) => {
    const { status, body } = await engine.call<{ Driver?: string }>(
      'GET',
      `/networks/${encodeURIComponent(target)}`,
      undefined,
      [200, 404],
    )
    if (status === 200 && body.Driver === 'host') host.add(target)
  })
  return host
}
