/**
 * The two step bodies that touch every party at once: PROMOTED (the new value becomes current
 * locally, derived values follow, then the mirrors) and REVOKED (the old value stops being
 * accepted everywhere). The machine journals around them; they take what they change as arguments.
 */
import { HushError } from '../../lib/errors.js'
import { Repairs } from '../distribute/repairs.js'
import { gen } from '../generate/gen.js'
import type { SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { consumersOf } from './consumers.js'
import type { History } from './history.js'
import type { Entries, Strategy } from './strategies/index.js'
import type { RotationTargets } from './targets.js'

export interface StepParties {
  readonly project: Project
  readonly spec: SecretSpec
  readonly strategy: Strategy
  readonly entries: Entries
  readonly targets: RotationTargets
  readonly history: History
  /** what the local store holds now for every entry a promotion of `value` touches */
  localOf(value: string): Promise<Record<string, string>>
}

export const joined = (...notes: (string | undefined)[]) => notes.filter(Boolean).join('; ') || undefined

/**
 * PROMOTED: keep the current value for revocation, write the strategy's entries, then the entries
 * that flip with the value (`flips`: the active database role), recompute derived secrets and let
 * the mirrors follow (staged values become current). Returns the step's note.
 */
export async function promote(
  parties: StepParties,
  value: string,
  current: string | undefined,
  flips: Record<string, string>,
): Promise<string | undefined> {
  const { project, spec, strategy, entries, targets, history } = parties
  if (current !== undefined && current !== value) await history.keep(current)
  await strategy.promote(spec, entries, value, current)
  for (const [entry, v] of Object.entries(flips)) await entries.write(entry, v, false)
  const derived = (await gen(project, { names: [spec.name] })).rows.filter(
    (r) => r.secret !== spec.name && r.action === 'update',
  )
  const mirrored =
    targets.mirrors.length > 0
      ? await targets.send(await parties.localOf(value), { mirrorsOnly: true })
      : undefined
  const recomputed = derived.length > 0 ? `recomputed ${derived.map((d) => d.entry).join(', ')}` : undefined
  return joined(recomputed, mirrored, restartNote(parties))
}

/** `consumers: restart` without a target that rolls its services: who must restart to read the new value. */
function restartNote({ project, spec, targets }: StepParties): string | undefined {
  if (spec.rotation?.consumers !== 'restart' || targets.own) return undefined
  const services = consumersOf(project.manifest, spec.name)
  return services.length > 0
    ? `restart ${services.join(', ')} to pick up the new value`
    : 'restart what reads it to pick up the new value (no service in services: names it)'
}

/**
 * REVOKED: drop the old value locally and from the consumers' verify sets, let the rotator revoke
 * the old credential (`revokeOld` gets the value history kept), drop stale versions on the targets
 * and forget the old value. Returns the step's note.
 */
export async function revoke(
  parties: StepParties,
  value: string,
  revokeOld: (old: string | undefined) => Promise<string | undefined>,
): Promise<string | undefined> {
  const { spec, strategy, entries, targets, history } = parties
  const verifies = await strategy.revoke(spec, entries, value)
  if (Object.keys(verifies).length > 0) await targets.send(verifies)
  const revoked = await revokeOld(await history.read())
  const dropped = await targets.dropStale(await parties.localOf(value))
  // the replaced value stays for `hush rollback` until its retention ends
  await history.prune(spec.rotation?.retainMs ?? 0, parties.project.world.now())
  return joined(strategy.notes.revoked ?? revoked, dropped)
}

/**
 * Abort: point the swarm's services and the mirrors back at the current values, then drop the
 * versions the job made. A mirror that cannot be reached is recorded for repair (`hush push`
 * repairs it): the local store is what matters now. Returns the note and the unreachable mirrors.
 */
export async function pointBack(
  parties: StepParties,
  pending: string,
  job: string,
): Promise<{ note: string | undefined; unreachable: string[] }> {
  const { project, targets } = parties
  const current = await parties.localOf(pending)
  const failed: { mirror: string; code: string }[] = []
  const tolerate = (mirror: string, err: unknown) => {
    if (!failed.some((f) => f.mirror === mirror))
      failed.push({ mirror, code: err instanceof HushError ? err.code : 'HUSH_E_INTERNAL' })
  }
  // a value staged beside the current one (AWSPENDING) ends with the job
  await targets.unstage(Object.keys(current), tolerate)
  if (!targets.any) return { note: undefined, unreachable: [] }
  const note = await targets.send(current, { tolerate })
  const at = project.world.now().toISOString()
  const repairs = new Repairs(project.stateDir, project.locked)
  for (const { mirror, code } of failed)
    await repairs.record({
      env: project.environment.name,
      mirror,
      entries: Object.keys(current),
      cause: `abort of rotation job ${job}`,
      code,
      at,
    })
  // send rewrote the overrides already (to the current values), tolerating a failure
  await targets.dropStale(current, { rewrite: false })
  return { note, unreachable: failed.map((f) => f.mirror) }
}
