/**
 * `hush push`: distribute an environment's local values to its swarm. The plan
 * compares fingerprints (never values): + create, ~ new version, = unchanged,
 * - remove (with prune). Applying it creates the versions, moves the services
 * that mount older ones, and waits for them to converge. A second push finds
 * everything unchanged. Nothing a service still mounts is ever removed.
 */
import { mapLimit } from '../../lib/concurrency.js'
import { type SwarmStore, type SwarmVersion, usersOf } from '../../stores/swarm.js'
import type { WriteEntry } from '../../stores/types.js'
import type { AuditEvent } from '../audit/log.js'
import { isRequiredIn, membersOf } from '../manifest/members.js'
import type { Project } from '../project.js'
import { isOpen, Journal } from '../rotate/journal.js'
import { distribute } from './distribute.js'
import { convergeTimeoutMs } from './target.js'

export type PushAction = '+' | '~' | '=' | '-' | 'missing' | 'in-use'

export interface PushRow {
  readonly entry: string
  readonly action: PushAction
  /** the swarm object the entry will be (or is) at */
  readonly object?: string
  readonly fingerprint?: string
  readonly note?: string
}

export interface PushResult {
  readonly env: string
  readonly target: string
  readonly dryRun: boolean
  readonly rows: PushRow[]
  /** services moved to new versions */
  readonly services: string[]
  readonly counts: Record<'created' | 'updated' | 'unchanged' | 'removed' | 'missing', number>
}

export interface PushOptions {
  readonly dryRun?: boolean
  readonly prune?: boolean
  readonly progress?: (line: string) => void
}

/** Every local entry of the environment's secrets, with its value (read once, for fingerprints and the push). */
async function localEntries(project: Project) {
  const env = project.environment.name
  const entries = project.manifest.secrets.flatMap((spec) =>
    membersOf(spec).map((m) => ({ entry: m.name, required: isRequiredIn(spec, env) })),
  )
  const values = await mapLimit(entries, 64, (e) => project.store.read(e.entry))
  return entries.map((e, i) => ({ ...e, value: values[i] }))
}

function pruneRows(
  versions: readonly SwarmVersion[],
  declared: ReadonlySet<string>,
  keep: ReadonlyMap<string, string>,
  held: ReadonlySet<string>,
  mounted: ReadonlyMap<string, Set<string>>,
): { rows: PushRow[]; drop: SwarmVersion[] } {
  const rows: PushRow[] = []
  const drop: SwarmVersion[] = []
  for (const v of versions) {
    const undeclared = !declared.has(v.entry)
    const stale = keep.has(v.entry) && keep.get(v.entry) !== v.fingerprint && !held.has(v.entry)
    if (!undeclared && !stale) continue
    const users = mounted.get(v.id)
    if (users) {
      rows.push({
        entry: v.entry,
        action: 'in-use',
        object: v.objectName,
        note: `kept: used by ${[...users].join(', ')}`,
      })
      continue
    }
    rows.push({
      entry: v.entry,
      action: '-',
      object: v.objectName,
      note: undeclared ? 'not in hush.yaml' : 'superseded',
    })
    drop.push(v)
  }
  return { rows, drop }
}

export async function push(
  project: Project,
  swarm: SwarmStore,
  options: PushOptions = {},
): Promise<PushResult> {
  const env = project.environment.name
  const at = project.world.now().toISOString()
  const local = await localEntries(project)
  const versions = await swarm.versions()
  const newest = new Map(versions.map((v) => [v.entry, v])) // sorted: the last one wins
  const rows: PushRow[] = []
  const writes: WriteEntry[] = []
  const keep = new Map<string, string>()
  for (const { entry, value, required } of local) {
    if (value === undefined) {
      if (required) rows.push({ entry, action: 'missing', note: 'no local value: run hush gen or hush set' })
      continue
    }
    const fingerprint = project.fingerprint(value)
    keep.set(entry, fingerprint)
    writes.push({ name: entry, value, meta: { fingerprint, source: 'generated', at } })
    const last = newest.get(entry)
    const same = versions.find((v) => v.entry === entry && v.fingerprint === fingerprint)
    const action: PushAction = !last ? '+' : last.fingerprint === fingerprint ? '=' : '~'
    rows.push({
      entry,
      action,
      fingerprint,
      object: same?.objectName ?? swarm.objectName(entry, (last?.version ?? 0) + 1),
      ...(action === '~' && same ? { note: 'back to an existing version' } : {}),
    })
  }

  let drop: SwarmVersion[] = []
  if (options.prune) {
    const jobs = await new Journal(project.stateDir).jobs(env)
    const held = new Set(
      jobs.filter(isOpen).flatMap((j) => {
        const spec = project.manifest.byName.get(j.secret)
        return spec ? membersOf(spec).map((m) => m.name) : [j.secret]
      }),
    )
    const declared = new Set(local.map((l) => l.entry))
    const pruned = pruneRows(versions, declared, keep, held, usersOf(await swarm.services()))
    rows.push(...pruned.rows)
    drop = pruned.drop
  }

  let services: string[] = []
  if (!options.dryRun) {
    const changed = new Set(rows.filter((r) => r.action === '+' || r.action === '~').map((r) => r.entry))
    await project.locked(async () => {
      const report = await distribute(swarm, writes, {
        timeoutMs: convergeTimeoutMs(project.environment),
        ...(options.progress ? { progress: options.progress } : {}),
      })
      services = report.services
      await swarm.removeVersions(drop)
      const events: AuditEvent[] = [
        ...writes
          .filter((w) => changed.has(w.name))
          .map(
            (w): AuditEvent => ({
              action: 'push',
              secret: w.name,
              env,
              fp: w.meta.fingerprint,
              detail: swarm.prefix,
            }),
          ),
        ...drop.map((v): AuditEvent => ({ action: 'remove', secret: v.entry, env, detail: v.objectName })),
      ]
      if (events.length > 0) await project.audit.append(events, project.actor, at)
    })
  }
  return {
    env,
    target: swarm.location,
    dryRun: options.dryRun === true,
    rows,
    services,
    counts: countsOf(rows),
  }
}

/** How many rows of each kind a plan has (shared by swarm pushes and store-to-store copies). */
export function countsOf(rows: readonly PushRow[]): PushResult['counts'] {
  const count = (a: PushAction) => rows.filter((r) => r.action === a).length
  return {
    created: count('+'),
    updated: count('~'),
    unchanged: count('='),
    removed: count('-'),
    missing: count('missing'),
  }
}
