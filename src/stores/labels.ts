/**
 * hush's metadata as a flat map of strings, for backends that keep a few strings beside a value:
 * GCP annotations, Azure Key Vault tags, the SSM parameter description. The entry's own name
 * travels too, because cloud names cannot hold every entry name (see lib/names dashedName).
 */
import { HushError } from '../lib/errors.js'
import type { StoredSecret, WriteMeta } from './types.js'

export type Labels = Readonly<Record<string, string>>

/**
 * The labels after a write over `previous`. The version counts values, not writes: when the backend
 * already held the value (`changed` false: a resumed write whose labels were not recorded), only the
 * fingerprint and source are brought up to date.
 */
export function nextLabels(name: string, meta: WriteMeta, previous: Labels = {}, changed = true): Labels {
  const version = Number(previous.hush_version ?? 0)
  const rotated = meta.rotated && changed ? meta.at : previous.hush_rotated
  return {
    hush_name: name,
    hush_fingerprint: meta.fingerprint,
    hush_version: String(changed ? version + 1 : Math.max(version, 1)),
    hush_source: meta.source,
    hush_created: previous.hush_created ?? meta.at,
    hush_at: changed ? meta.at : (previous.hush_at ?? meta.at),
    ...(rotated ? { hush_rotated: rotated } : {}),
  }
}

/** The stored metadata the labels describe (undefined when they are not hush's). */
export function storedOf(labels: Labels | undefined): StoredSecret | undefined {
  if (!labels?.hush_name || !labels.hush_fingerprint) return undefined
  return {
    name: labels.hush_name,
    version: Number(labels.hush_version ?? 1),
    fingerprint: labels.hush_fingerprint,
    createdAt: labels.hush_created ?? '',
    updatedAt: labels.hush_at ?? '',
    ...(labels.hush_rotated ? { rotatedAt: labels.hush_rotated } : {}),
    ...(labels.hush_source ? { source: labels.hush_source as StoredSecret['source'] } : {}),
  }
}

/**
 * Refuse to use the cloud secret `id` for entry `name` when its labels say another entry holds it:
 * dashed names are not reversible (`a_pub` and `a.pub` both become `…-a-pub`).
 */
export function assertHeldBy(labels: Labels | undefined, name: string, id: string, service: string): void {
  const owner = labels?.hush_name
  if (owner && owner !== name)
    throw new HushError(
      'HUSH_E_UNSAFE_NAME',
      `${service} secret ${id} already holds the entry ${owner}, not ${name}`,
      {
        hint: `${service} names turn "_" and "." into "-": rename one of the two secrets in hush.yaml`,
      },
    )
}
