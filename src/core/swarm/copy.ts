/**
 * push / pull between two environments' stores (e.g. files → vault): the same
 * plan by fingerprint as a swarm push (+ create, ~ new version, = unchanged,
 * - remove with prune), applied with the target's own writes. Every write is
 * idempotent (a value already there creates no version), so a push cut off
 * halfway is finished by running it again.
 */
import { mapLimit } from '../../lib/concurrency.js'
import type { Store, WriteEntry } from '../../stores/types.js'
import type { AuditEvent } from '../audit/log.js'
import { isRequiredIn, membersOf } from '../manifest/members.js'
import type { Project } from '../project.js'
import { countsOf, type PushAction, type PushResult, type PushRow } from './push.js'

export async function copyStore(
  project: Project,
  from: { readonly env: string; readonly store: Store },
  to: { readonly env: string; readonly store: Store },
  options: { readonly dryRun?: boolean; readonly prune?: boolean } = {},
): Promise<PushResult> {
  const at = project.world.now().toISOString()
  const entries = project.manifest.secrets.flatMap((spec) =>
    membersOf(spec).map((m) => ({ entry: m.name, required: isRequiredIn(spec, from.env) })),
  )
  const values = await mapLimit(entries, 16, (e) => from.store.read(e.entry))
  const remote = new Map((await to.store.list()).map((s) => [s.name, s]))
  const rows: PushRow[] = []
  const writes: WriteEntry[] = []
  entries.forEach(({ entry, required }, i) => {
    const value = values[i]
    if (value === undefined) {
      if (required) rows.push({ entry, action: 'missing', note: `no value in ${from.env}` })
      return
    }
    const fingerprint = project.fingerprint(value)
    const there = remote.get(entry)
    const action: PushAction = !there ? '+' : there.fingerprint === fingerprint ? '=' : '~'
    rows.push({ entry, action, fingerprint, object: to.store.location })
    if (action !== '=')
      writes.push({
        name: entry,
        value,
        meta: { fingerprint, source: 'provided', at, rotated: action === '~' },
      })
  })
  const declared = new Set(entries.map((e) => e.entry))
  const drop = options.prune ? [...remote.keys()].filter((name) => !declared.has(name)) : []
  for (const name of drop) rows.push({ entry: name, action: '-', note: 'not in hush.yaml' })
  if (!options.dryRun && (writes.length > 0 || drop.length > 0))
    await project.locked(async () => {
      await to.store.writeMany(writes)
      for (const name of drop) await to.store.remove(name)
      const events: AuditEvent[] = [
        ...writes.map(
          (w): AuditEvent => ({
            action: 'push',
            secret: w.name,
            env: to.env,
            fp: w.meta.fingerprint,
            detail: `from ${from.env}`,
          }),
        ),
        ...drop.map((name): AuditEvent => ({ action: 'remove', secret: name, env: to.env, detail: 'prune' })),
      ]
      await project.audit.append(events, project.actor, at)
    })
  return {
    env: from.env,
    target: `${to.env} (${to.store.kind} ${to.store.location})`,
    dryRun: options.dryRun === true,
    rows,
    services: [],
    counts: countsOf(rows),
  }
}
