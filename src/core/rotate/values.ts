/** The values a rotation writes and distributes: the secret's entries once promoted, and the derived secrets that read them. */
import { derivedValue, inputEntry } from '../generate/derive.js'
import { primaryMember } from '../manifest/members.js'
import { sourceOfEntry } from '../manifest/rules.js'
import type { SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { type JobRecord, lineOf } from './journal.js'
import type { RotationContext } from './rotators/types.js'
import type { Entries, Strategy } from './strategies/index.js'

/**
 * Entry → value once `value` is promoted: the strategy's entries, the rotator's (the active role),
 * and every derived secret reading any of them, recomputed as gen does at PROMOTED.
 */
export async function promotedValues(
  project: Project,
  spec: SecretSpec,
  strategy: Strategy,
  value: string,
  fromRotator: (current: string | undefined) => Record<string, string>,
): Promise<Record<string, string>> {
  const { manifest, store } = project
  const current = await store.read(primaryMember(spec))
  const out: Record<string, string> = { ...strategy.promoted(spec, value, current), ...fromRotator(current) }
  for (const d of manifest.secrets) {
    if (d.source !== 'derived' || !d.inputs.some((i) => inputEntry(manifest, i) in out)) continue
    const inputs = new Map<string, string | undefined>()
    for (const i of d.inputs) {
      const entry = inputEntry(manifest, i)
      inputs.set(entry, out[entry] ?? (await store.read(entry)))
    }
    out[d.name] = derivedValue(manifest, d, (entry) => inputs.get(entry))
  }
  return out
}

/** What the local store holds now for these entries (those it holds). */
export async function localValues(
  project: Project,
  entries: readonly string[],
): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const entry of entries) {
    const local = await project.store.read(entry)
    if (local !== undefined) out[entry] = local
  }
  return out
}

/** The environment's own store as strategies read and write it (a rotated value, or one derived from it). */
export function entriesOf(project: Project): Entries {
  return {
    read: (entry) => project.store.read(entry),
    async write(entry, value, rotated) {
      const at = project.world.now().toISOString()
      await project.store.write(entry, value, {
        fingerprint: project.fingerprint(value),
        source: sourceOfEntry(project.manifest, entry),
        at,
        rotated,
      })
    },
  }
}

/** What a rotator call sees: the values, and what its plan() decided when the job started. */
export function rotationContext(
  job: JobRecord,
  pending: string,
  current: string | undefined,
): RotationContext {
  const planned = lineOf(job, 'PLANNED')?.detail ?? {}
  return {
    pending,
    current,
    job: Object.fromEntries(Object.entries(planned).map(([k, v]) => [k, String(v)])),
  }
}
