/** The order of hush's own service updates: start-first unless two tasks of the service cannot run side by side. */
import { describe, expect, it } from 'vitest'
import type { SwarmService } from '../../src/stores/swarm-objects.js'
import { restartOf, startFirst } from '../../src/stores/swarm-order.js'

type Spec = SwarmService['Spec']
const HOST = new Set(['host', 'hostnetid'])
const spec = (extra: Partial<Spec> = {}, task: Partial<Spec['TaskTemplate']> = {}): Spec => ({
  Name: 'api',
  TaskTemplate: { ContainerSpec: { Secrets: [] }, ...task },
  Mode: { Replicated: { Replicas: 1 } },
  UpdateConfig: { Parallelism: 1, Order: 'stop-first', Monitor: 5e9 },
  ...extra,
})
const writable = { ContainerSpec: { Mounts: [{ Type: 'volume', Target: '/var/lib/data' }] } }

describe('restartOf', () => {
  it('a single replica on overlay networks, with an ingress port or a read-only mount, goes start-first', () => {
    expect(restartOf(spec(), HOST)).toEqual({ order: 'start-first' })
    const ingress = { Ports: [{ PublishMode: 'ingress', PublishedPort: 8080, TargetPort: 80 }] }
    expect(restartOf(spec({ EndpointSpec: ingress }), HOST).order).toBe('start-first')
    expect(restartOf(spec({}, { Networks: [{ Target: 'overlayid' }] }), HOST).order).toBe('start-first')
    const ro = { ContainerSpec: { Mounts: [{ Type: 'bind', Target: '/app', ReadOnly: true }] } }
    expect(restartOf(spec({}, ro), HOST).order).toBe('start-first')
  })

  it('a global service goes start-first too: the engine starts the replacement beside the old task', () => {
    expect(restartOf(spec({ Mode: { Global: {} } }), HOST)).toEqual({ order: 'start-first' })
  })

  it('a port published in host mode keeps stop-first, naming the port; one without a number does not', () => {
    const host = { Ports: [{ PublishMode: 'host', PublishedPort: 8443, TargetPort: 443 }] }
    expect(restartOf(spec({ EndpointSpec: host }), HOST)).toEqual({
      order: 'stop-first',
      reason: 'publishes port 8443 in host mode',
    })
    // no published number: the engine picks a free host port per task
    const random = { Ports: [{ PublishMode: 'host', TargetPort: 443 }] }
    expect(restartOf(spec({ EndpointSpec: random }), HOST).order).toBe('start-first')
  })

  it('the host network keeps stop-first (by the swarm id of the host network, or its name)', () => {
    for (const Target of ['hostnetid', 'host'])
      expect(restartOf(spec({}, { Networks: [{ Target }] }), HOST)).toEqual({
        order: 'stop-first',
        reason: 'uses the host network, where two tasks cannot share a port',
      })
  })

  it('a writable volume keeps stop-first when one task writes it (a database), not when replicas share it already', () => {
    expect(restartOf(spec({}, writable), HOST)).toEqual({
      order: 'stop-first',
      reason: 'its single task mounts /var/lib/data writable',
    })
    expect(restartOf(spec({ Mode: { Global: {} } }, writable), HOST).order).toBe('stop-first')
    expect(restartOf(spec({ Mode: { Replicated: { Replicas: 3 } } }, writable), HOST).order).toBe(
      'start-first',
    )
  })

  it('the service decides first: its label, then its own start-first order', () => {
    const hostNet = { Networks: [{ Target: 'hostnetid' }] }
    const label = (v: string) => ({ Labels: { 'hush.update-order': v } })
    expect(restartOf(spec(label('start-first'), hostNet), HOST)).toEqual({ order: 'start-first' })
    expect(restartOf(spec(label('stop-first')), HOST)).toEqual({
      order: 'stop-first',
      reason: 'label hush.update-order=stop-first',
    })
    const own = { UpdateConfig: { Order: 'start-first' as const } }
    expect(restartOf(spec(own, hostNet), HOST).order).toBe('start-first')
  })
})

describe('startFirst', () => {
  it('changes only the order and keeps the rest of UpdateConfig', () => {
    const s = spec({
      UpdateConfig: { Parallelism: 2, Delay: 3e9, FailureAction: 'rollback', Order: 'stop-first' },
    })
    expect(startFirst(s).UpdateConfig).toEqual({
      Parallelism: 2,
      Delay: 3e9,
      FailureAction: 'rollback',
      Order: 'start-first',
    })
    expect(s.UpdateConfig?.Order).toBe('stop-first') // not mutated
  })

  it("fills Swarm's defaults when the service has no UpdateConfig (an absent Parallelism would mean all at once)", () => {
    const { UpdateConfig: _, ...bare } = spec()
    expect(startFirst(bare as Spec).UpdateConfig).toEqual({
      Parallelism: 1,
      FailureAction: 'pause',
      Order: 'start-first',
    })
  })
})
