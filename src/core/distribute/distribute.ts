/**
 * The one way values move between stores: push (an environment to its swarm or to another
 * environment's store), pull (the reverse), rotation's DISTRIBUTED / PROMOTED / REVOKED steps and
 * doctor's mirror probes. Plan by fingerprint, then write or stage what differs; a target that
 * rolls consumers (a swarm) gets every entry and moves its services onto them; prune removes what
 * hush.yaml no longer declares and, on versioned targets, versions nothing uses; the compose
 * overrides hush wrote follow (export/overrides). Every write is idempotent (a value already there
 * creates no version), so a run cut off halfway is finished by running it again.
 */
import { mapLimit } from '../../lib/concurrency.js'
import type { RollEvent, Store, StoredSecret, WriteEntry } from '../../stores/types.js'
import type { AuditEvent } from '../audit/log.js'
import { refreshOverrides } from '../export/overrides.js'
import { isRequiredIn, membersOf } from '../manifest/members.js'
import type { Project } from '../project.js'
import { isOpen, Journal } from '../rotate/journal.js'
import { countsOf, type PushResult, type PushRow, planByFingerprint, type SourceEntry } from './plan.js'
import { Repairs } from './repairs.js'

/** A store and the environment it belongs to. */
export interface Endpoint {
  readonly env: string
  readonly store: Store
}

export interface DistributeOptions {
  readonly dryRun?: boolean
  readonly prune?: boolean
  /** each step of rolling the target's consumers (names and counts only) */
  readonly progress?: (event: RollEvent) => void
}

/** Every entry of the manifest's secrets with its value in `from` (read once, for fingerprints and the write). */
async function sourceEntries(project: Project, from: Endpoint): Promise<SourceEntry[]> {
  const entries = project.manifest.secrets.flatMap((spec) =>
    membersOf(spec).map((m) => ({
      entry: m.name,
      source: spec.source,
      required: isRequiredIn(spec, from.env),
    })),
  )
  const values = await mapLimit(entries, 16, (e) => from.store.read(e.entry))
  return entries.map((e, i) => ({ ...e, value: values[i] }))
}

/**
 * Put values into a store: one that rolls consumers gets them all (its consumers on older versions
 * move); another gets the changed ones, staged beside the current values when `stage` and it can.
 */
export async function apply(
  store: Store,
  writes: readonly WriteEntry[],
  changed: ReadonlySet<string>,
  options: { readonly stage?: boolean; readonly progress?: (event: RollEvent) => void } = {},
): Promise<{ written: number; staged: boolean; services: string[] }> {
  const fresh = writes.filter((w) => changed.has(w.name))
  if (store.roll) {
    const report = await store.roll(writes, options.progress)
    return { written: report.created.length, staged: false, services: report.services }
  }
  const staged = options.stage === true && store.capabilities.stage && store.stage !== undefined
  if (staged) for (const w of fresh) await store.stage!(w.name, w.value, w.meta)
  else if (fresh.length > 0) await store.writeMany(fresh)
  return { written: fresh.length, staged, services: [] }
}

/** Bring a store to these values (rotation): what it holds already, by fingerprint, is not written again. */
export async function sync(
  to: Endpoint,
  entries: readonly WriteEntry[],
  options: { readonly stage?: boolean; readonly progress?: (event: RollEvent) => void } = {},
): Promise<string> {
  const held = new Map((await to.store.list()).map((s) => [s.name, s.fingerprint]))
  const changed = new Set(entries.filter((e) => held.get(e.name) !== e.meta.fingerprint).map((e) => e.name))
  const done = await apply(to.store, entries, changed, options)
  if (to.store.roll)
    return `${to.store.kind}: ${done.written} new version(s)${done.services.length > 0 ? `, services ${done.services.join(', ')} updated` : ', no service mounts them'}`
  return `${to.env}: ${done.written} ${done.staged ? 'staged beside the current values (AWSPENDING)' : 'written'}`
}

/** The entries every open rotation job of the environment holds: prune leaves their versions alone. */
async function heldByJobs(project: Project, env: string): Promise<Set<string>> {
  const jobs = (await new Journal(project.stateDir).jobs(env)).filter(isOpen)
  return new Set(
    jobs.flatMap((j) => {
      const spec = project.manifest.byName.get(j.secret)
      return spec ? membersOf(spec).map((m) => m.name) : [j.secret]
    }),
  )
}

/** What prune removes: versions nothing uses on a versioned target, else the entries hush.yaml does not declare. */
async function planPrune(
  project: Project,
  from: Endpoint,
  to: Endpoint,
  source: readonly SourceEntry[],
  held: readonly StoredSecret[],
) {
  const declared = new Set(source.map((s) => s.entry))
  const keep = new Map(
    source.flatMap((s) => (s.value === undefined ? [] : [[s.entry, project.fingerprint(s.value)] as const])),
  )
  if (to.store.planPrune) {
    const plan = await to.store.planPrune(declared, keep, await heldByJobs(project, from.env))
    const rows = plan.items.map(
      (i): PushRow =>
        i.usedBy
          ? {
              entry: i.entry,
              action: 'in-use',
              object: i.object,
              note: `kept: used by ${i.usedBy.join(', ')}`,
            }
          : { entry: i.entry, action: '-', object: i.object, note: i.reason },
    )
    return { rows, dropped: plan.items.filter((i) => !i.usedBy).map((i) => i.entry), apply: plan.apply }
  }
  const drop = held.map((s) => s.name).filter((name) => !declared.has(name))
  return {
    rows: drop.map((name): PushRow => ({ entry: name, action: '-', note: 'not in hush.yaml' })),
    dropped: drop,
    apply: async () => {
      for (const name of drop) await to.store.remove(name)
    },
  }
}

/** Push or pull: make `to` hold `from`'s values, as a plan by fingerprint that is applied unless dryRun. */
export async function distribute(
  project: Project,
  from: Endpoint,
  to: Endpoint,
  options: DistributeOptions = {},
): Promise<PushResult> {
  const at = project.world.now().toISOString()
  const source = await sourceEntries(project, from)
  const missing =
    from.store === project.store ? 'no local value: run hush gen or hush set' : `no value in ${from.env}`
  // a write an earlier run cut off halfway is finished first (k8s: its rollout), even with nothing to write
  const settle = to.store.settle?.bind(to.store)
  if (!options.dryRun && settle) await project.locked(settle)
  const held = await to.store.list()
  const planned = planByFingerprint(source, held, project.fingerprint, at, missing)
  const { writes, changed } = planned
  const places = await to.store.places?.(
    writes.map((w) => ({ name: w.name, fingerprint: w.meta.fingerprint })),
  )
  const rows: PushRow[] = planned.rows.map((r) => {
    if (r.fingerprint === undefined) return r
    const place = places?.get(r.entry)
    if (!place) return { ...r, object: to.store.location }
    return {
      ...r,
      object: place.object,
      ...(r.action === '~' && place.existing ? { note: 'back to an existing version' } : {}),
    }
  })
  const prune = options.prune ? await planPrune(project, from, to, source, held) : undefined
  rows.push(...(prune?.rows ?? []))
  let services: string[] = []
  let overrides: string | undefined
  const dirty = changed.size > 0 || (prune?.dropped.length ?? 0) > 0
  if (!options.dryRun && (dirty || to.store.roll))
    await project.locked(async () => {
      const events: AuditEvent[] = [
        ...writes
          .filter((w) => changed.has(w.name))
          .map(
            (w): AuditEvent => ({
              action: 'push',
              secret: w.name,
              env: to.env,
              fp: w.meta.fingerprint,
              detail: `from ${from.env}`,
            }),
          ),
        ...(prune?.dropped ?? []).map(
          (name): AuditEvent => ({ action: 'remove', secret: name, env: to.env, detail: 'prune' }),
        ),
      ]
      await project.audit.recorded(events, project.actor, at, async () => {
        services = (await apply(to.store, writes, changed, options)).services
        await prune?.apply()
      })
      // the compose overrides hush wrote name the target's versions: rewritten now, not left stale
      if (to.store.roll) overrides = await refreshOverrides(project)
    })
  // a mirror an aborted rotation could not reach holds from's values again once this push is done
  const repairs = new Repairs(project.stateDir, project.locked)
  const left = (await repairs.list(from.env)).find((r) => r.mirror === to.env)
  const complete = !rows.some((r) => r.action === 'missing')
  if (left && !options.dryRun && complete) await repairs.clear(from.env, to.env)
  return {
    ...(left
      ? {
          repair: `${options.dryRun ? 'needs repair' : 'repaired'}: left behind by the ${left.cause} (${left.code})`,
        }
      : {}),
    env: from.env,
    target: to.store.roll ? to.store.location : `${to.env} (${to.store.kind} ${to.store.location})`,
    dryRun: options.dryRun === true,
    rows,
    services,
    counts: countsOf(rows),
    ...(overrides ? { overrides } : {}),
  }
}
