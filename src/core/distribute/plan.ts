/**
 * The plan of a distribution: for each entry the source holds, what the target does with it,
 * decided by fingerprint (never by value): + create, ~ new version, = unchanged, - remove (prune),
 * ! missing in the source, in-use (kept: a consumer still mounts it).
 */
import type { SecretSource, StoredSecret, WriteEntry } from '../../stores/types.js'

export type PushAction = '+' | '~' | '=' | '-' | 'missing' | 'in-use'

export interface PushRow {
  readonly entry: string
  readonly action: PushAction
  /** where the entry will be (or is) in the target: a versioned object, or the store's location */
  readonly object?: string
  readonly fingerprint?: string
  readonly note?: string
}

export interface PushResult {
  readonly env: string
  readonly target: string
  readonly dryRun: boolean
  readonly rows: PushRow[]
  /** consumers (swarm services) moved onto new versions */
  readonly services: string[]
  readonly counts: Record<'created' | 'updated' | 'unchanged' | 'removed' | 'missing', number>
  /** a mirror an aborted rotation left behind: repaired by this push, or (dry run) needing it */
  readonly repair?: string
  /** the compose overrides hush rewrote to name the new versions (a note), if any */
  readonly overrides?: string
}

/** An entry of the source, with its value when the source holds one. */
export interface SourceEntry {
  readonly entry: string
  /** the secret's source in the manifest, which the target's labels carry (ssm: a fixed value is a plain String) */
  readonly source: SecretSource
  readonly required: boolean
  readonly value: string | undefined
}

/**
 * Compare the source's values with what the target holds, by fingerprint. `writes` holds every
 * entry with a value (a store that rolls consumers needs them all, to move consumers still on an
 * older version); `changed` names the entries the target does not hold yet.
 */
export function planByFingerprint(
  source: readonly SourceEntry[],
  held: readonly StoredSecret[],
  fingerprint: (value: string) => string,
  at: string,
  missingNote: string,
): { rows: PushRow[]; writes: WriteEntry[]; changed: Set<string> } {
  const there = new Map(held.map((s) => [s.name, s.fingerprint]))
  const rows: PushRow[] = []
  const writes: WriteEntry[] = []
  const changed = new Set<string>()
  for (const { entry, source: from, required, value } of source) {
    if (value === undefined) {
      if (required) rows.push({ entry, action: 'missing', note: missingNote })
      continue
    }
    const fp = fingerprint(value)
    const action: PushAction = !there.has(entry) ? '+' : there.get(entry) === fp ? '=' : '~'
    if (action !== '=') changed.add(entry)
    rows.push({ entry, action, fingerprint: fp })
    writes.push({
      name: entry,
      value,
      meta: { fingerprint: fp, source: from, at, rotated: action === '~' },
    })
  }
  return { rows, writes, changed }
}

/** How many rows of each kind a plan has. */
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
