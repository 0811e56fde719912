/**
 * What a rotation would do, decided before anything runs: which secrets can be rotated, which are
 * due, which a person rotates, and the steps the machine will take (what `--dry-run` prints).
 */
import { HushError } from '../../lib/errors.js'
import type { ConsumerRestart } from '../../stores/types.js'
import { membersOf } from '../manifest/members.js'
import { sinkNamesOf } from '../manifest/rules.js'
import type { SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { status } from '../status/status.js'
import { consumerPath, consumersOf } from './consumers.js'
import { assertRotatable } from './rotators/index.js'
import { strategyOf } from './strategies/index.js'

/** The spec of a secret hush can rotate, or why it cannot. */
export function rotatable(project: Project, name: string): SecretSpec {
  const spec = project.manifest.byName.get(name)
  if (!spec)
    throw new HushError(
      'HUSH_E_UNKNOWN_SECRET',
      `secret "${name}" is not declared in ${project.manifest.file}`,
      {
        hint: 'run `hush status` to list the secrets',
      },
    )
  if (spec.source === 'derived' || spec.source === 'fixed')
    throw new HushError(
      'HUSH_E_NOT_SETTABLE',
      `${name} is ${spec.source}; it changes when its inputs or the manifest do`,
      {
        hint:
          spec.source === 'derived'
            ? `rotate its inputs (${spec.inputs.join(', ')})`
            : 'edit value: in hush.yaml',
      },
    )
  if (spec.source === 'provided' || spec.rotation?.strategy === 'manual')
    throw new HushError(
      'HUSH_E_NOT_SETTABLE',
      `${name} is supplied by a person: hush cannot make a new one`,
      {
        hint: `issue a new credential at its provider, then \`hush set ${name}\` (that records the rotation)`,
      },
    )
  assertRotatable(project, spec)
  return spec
}

/** A secret a person rotates (provided, or strategy manual): hush says how instead of running a job. */
export function isManual(spec: SecretSpec | undefined): boolean {
  return spec?.source === 'provided' || spec?.rotation?.strategy === 'manual'
}

/** `--due`: jobs whose grace window ended (to finish) and overdue secrets without a job (to start). */
export async function dueTargets(project: Project): Promise<{ resume: string[]; start: string[] }> {
  const { rows, jobs } = await status(project)
  return {
    resume: jobs.filter((j) => j.problem === 'grace-expired-not-revoked').map((j) => j.secret),
    start: rows
      .filter((r) => r.state === 'overdue' && !jobs.some((j) => j.secret === r.secret))
      .map((r) => r.secret),
  }
}

/** The plan `--dry-run` prints: the strategy, the rotator, where the values go and which services restart how. */
export async function describePlan(project: Project, name: string): Promise<string> {
  const spec = project.manifest.byName.get(name)
  if (!spec || isManual(spec)) return 'rotated by hand: a new credential from its provider, then hush set'
  const strategy = strategyOf(spec)
  const via = spec.rotation?.via ? `, applied by rotator ${spec.rotation.via}` : ''
  const grace = spec.rotation?.grace ?? '0s'
  const targets = [...(project.target ? [project.target.kind] : []), ...sinkNamesOf(project.environment)]
  const dependants = project.manifest.secrets.filter((d) => d.source === 'derived' && d.inputs.includes(name))
  // the services that mount what the rotation moves (its entries and the derived ones that follow)
  const restarts = await restartsOf(
    project,
    [spec, ...dependants].flatMap((s) => membersOf(s).map((m) => m.name)),
  )
  const path = consumerPath(project.manifest, spec)
  const consumers =
    path instanceof HushError
      ? `refused without --allow-downtime: ${path.message}`
      : path === 'restart' && !project.target
        ? `consumers restart: ${consumersOf(project.manifest, name).join(', ') || 'no service in services: names it'}`
        : undefined
  return [
    ...(consumers ? [consumers] : []),
    `${strategy.notes.plan}${via}`,
    `grace ${grace}`,
    targets.length > 0 ? `distributed to ${targets.join(', ')}` : 'no distribution target',
    ...(dependants.length > 0 ? [`recomputes ${dependants.map((d) => d.name).join(', ')}`] : []),
    ...(restarts ? [restarts] : []),
  ].join('; ')
}

/** `restarts nemo_api (start-first), …`: the consumers of these entries and how each restarts, where the target knows. */
async function restartsOf(project: Project, entries: string[]): Promise<string | undefined> {
  const restarts = await project.target?.restarts?.(entries).catch((err: unknown) => {
    if (err instanceof HushError) return err.message // a plan still shows the rest when the engine is away
    throw err
  })
  if (restarts === undefined) return undefined
  if (typeof restarts === 'string') return `services unknown: ${restarts}`
  if (restarts.length === 0) return 'no service mounts it'
  const how = (r: ConsumerRestart) => `${r.service} (${r.order}${r.reason ? `: ${r.reason}` : ''})`
  return `restarts ${restarts.map(how).join(', ')}`
}
