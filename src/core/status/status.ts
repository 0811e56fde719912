/** `hush status`: version, age and rotation policy of every secret in an environment. */

import { formatAge } from '../../lib/duration.js'
import { HushError } from '../../lib/errors.js'
import type { StoredSecret } from '../../stores/types.js'
import { type Repair, Repairs } from '../distribute/repairs.js'
import { expectedDerived } from '../generate/derive.js'
import { isRequiredIn, primaryMember } from '../manifest/members.js'
import type { SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { type JobStatus, openJobs } from '../rotate/jobs.js'

/**
 * `stale`: a derived secret that no longer matches what its inputs compute to (run hush gen).
 * `unverified`: the store's labels do not describe the value it holds (a write was cut off: push or
 * `rotate --resume` finishes it). `unknown`: the store could not be read (see `storeError`).
 */
export type SecretState =
  | 'ok'
  | 'overdue'
  | 'missing'
  | 'needs-input'
  | 'optional'
  | 'stale'
  | 'unverified'
  | 'unknown'

export interface StatusRow {
  readonly secret: string
  readonly source: SecretSpec['source']
  readonly state: SecretState
  readonly version?: number
  readonly fingerprint?: string
  readonly age?: string
  readonly ageMs?: number
  readonly policy?: string
  readonly nextRotation?: string
}

export interface StatusResult {
  readonly env: string
  readonly store: string
  readonly rows: StatusRow[]
  readonly overdue: number
  /** open rotation jobs, with failed / stuck / grace-expired-not-revoked flagged */
  readonly jobs: JobStatus[]
  /** mirrors an aborted rotation could not reach: `hush push` repairs them */
  readonly repairs: Repair[]
  /** the store refused or could not be reached: rows are `unknown`, the local state is still shown */
  readonly storeError?: { readonly code: string; readonly message: string; readonly hint?: string }
}

/** When the value was last replaced, from store metadata. */
export function lastRotation(meta: StoredSecret): string {
  return meta.rotatedAt ?? meta.createdAt
}

/** The status of one secret given its metadata (or none) and a clock. */
export function statusOf(
  spec: SecretSpec,
  meta: StoredSecret | undefined,
  env: string,
  now: Date,
): StatusRow {
  const base = { secret: spec.name, source: spec.source }
  if (!meta) {
    const state: SecretState = !isRequiredIn(spec, env)
      ? 'optional'
      : spec.source === 'provided'
        ? 'needs-input'
        : 'missing'
    return { ...base, state }
  }
  if (meta.fingerprint === '')
    return {
      ...base,
      state: 'unverified',
      version: meta.version,
      ...(spec.rotation?.every ? { policy: `${spec.rotation.every} ${spec.rotation.strategy}` } : {}),
    }
  const since = Date.parse(lastRotation(meta))
  const ageMs = now.getTime() - since
  const every = spec.rotation?.everyMs
  const next = every !== undefined ? new Date(since + every) : undefined
  return {
    ...base,
    state: next && next.getTime() < now.getTime() ? 'overdue' : 'ok',
    version: meta.version,
    fingerprint: meta.fingerprint,
    age: formatAge(ageMs),
    ageMs,
    ...(spec.rotation?.every ? { policy: `${spec.rotation.every} ${spec.rotation.strategy}` } : {}),
    ...(next ? { nextRotation: next.toISOString().slice(0, 10) } : {}),
  }
}

export async function status(project: Project): Promise<StatusResult> {
  const env = project.environment.name
  const now = project.world.now()
  let storeError: StatusResult['storeError']
  let rows: StatusRow[]
  try {
    const metas = new Map((await project.store.list()).map((m) => [m.name, m]))
    rows = await Promise.all(
      project.manifest.secrets.map(async (spec) => {
        const row = statusOf(spec, metas.get(primaryMember(spec)), env, now)
        return row.state === 'ok' && (await staleDerived(project, spec, row.fingerprint))
          ? { ...row, state: 'stale' as const }
          : row
      }),
    )
  } catch (err) {
    // a store that refuses or cannot be reached is reported, not thrown: the local state still shows
    if (!(err instanceof HushError)) throw err
    storeError = { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) }
    rows = project.manifest.secrets.map((spec) => ({
      secret: spec.name,
      source: spec.source,
      state: 'unknown',
    }))
  }
  return {
    env,
    store: `${project.environment.store} ${project.store.location}`,
    rows,
    overdue: rows.filter((r) => r.state === 'overdue').length,
    jobs: await openJobs(project),
    repairs: await new Repairs(project.stateDir).list(env),
    ...(storeError ? { storeError } : {}),
  }
}

/** A derived secret whose stored fingerprint differs from its inputs' value now (stores that return values). */
async function staleDerived(
  project: Project,
  spec: SecretSpec,
  stored: string | undefined,
): Promise<boolean> {
  if (spec.source !== 'derived' || stored === undefined || !project.store.capabilities.returnsValues)
    return false
  const expected = await expectedDerived(project.manifest, spec, (entry) => project.store.read(entry))
  return expected !== undefined && project.fingerprint(expected) !== stored
}
