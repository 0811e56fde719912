/**
 * `rotate`: start, resume, abort or retire (end the grace window now) the rotation of one secret.
 * One job per secret at a time (a per-secret lock file); the steps are the machine's (machine.ts).
 */
import { join } from 'node:path'
import { HushError } from '../../lib/errors.js'
import { ensurePrivateDir } from '../../lib/fs-safe.js'
import { acquireLock } from '../../lib/lock.js'
import { primaryMember } from '../manifest/members.js'
import { DEFAULT_RETAIN } from '../manifest/normalize.js'
import type { SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { consumerPath } from './consumers.js'
import { History } from './history.js'
import { isOpen, type JobRecord, type JobState, Journal, lineOf, progressOf, stateOf } from './journal.js'
import { Machine } from './machine.js'
import { rotatable } from './plan.js'
import { rotatorFor } from './rotators/index.js'

import type { MachineHooks, StepReport } from './types.js'

export type { StepReport } from './types.js'

export interface RotateResult {
  readonly secret: string
  readonly env: string
  readonly job: string
  readonly state: JobState
  readonly steps: StepReport[]
  readonly fromFingerprint?: string
  readonly toFingerprint?: string
  readonly graceUntil?: string
}

export type RotateMode = 'start' | 'resume' | 'abort' | 'retire' | 'rollback'

export interface RotateOptions extends MachineHooks {
  /** accept downtime where the server holds a single credential */
  readonly allowDowntime?: boolean
}

function newJobId(now: Date): string {
  return `${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${process.pid}`
}

/** Rotation replaces a value: a secret that has none yet is `gen`'s, not a rotation's (it would act as gen in silence). */
async function refuseWithoutValue(project: Project, spec: SecretSpec): Promise<void> {
  const primary = primaryMember(spec)
  // by metadata: a store that never returns values (swarm) still lists what it holds
  if ((await project.store.list()).some((m) => m.name === primary)) return
  const env = project.environment.name
  throw new HushError('HUSH_E_USAGE', `${spec.name} has no value in ${env} yet: there is nothing to rotate`, {
    hint: `create it with hush gen ${spec.name}${env === 'development' ? '' : ` -e ${env}`}`,
  })
}

/** Start, resume, abort or retire (end the grace window now) the rotation of one secret. */
export async function rotate(
  project: Project,
  name: string,
  mode: RotateMode = 'start',
  options: RotateOptions = {},
): Promise<RotateResult> {
  const spec = rotatable(project, name)
  if (mode === 'start') await refuseWithoutValue(project, spec)
  if ((mode === 'start' || mode === 'rollback') && !options.allowDowntime) {
    // refused before anything is written: consumers must be able to keep working
    const path = consumerPath(project.manifest, spec)
    if (path instanceof HushError) throw path
  }
  const env = project.environment.name
  const journal = new Journal(project.stateDir)
  await ensurePrivateDir(journal.dirOf(env, name))
  const release = await acquireLock(join(journal.dirOf(env, name), 'lock')).catch((err: unknown) => {
    if (err instanceof HushError && err.code === 'HUSH_E_LOCKED')
      throw new HushError('HUSH_E_LOCKED', `another hush is rotating ${name} right now`, {
        hint: 'wait for it to finish; `hush status` shows the job',
      })
    throw err
  })
  try {
    const open = (await journal.jobs(env, name)).filter(isOpen)
    let job = open.at(-1)
    if (mode === 'start' && job)
      throw new HushError('HUSH_E_LOCKED', `${name} has an open rotation job ${job.id} (${stateOf(job)})`, {
        hint: `continue it with hush rotate ${name} --resume, or undo it with hush rotate ${name} --abort`,
      })
    if (mode !== 'start' && mode !== 'rollback' && !job)
      throw new HushError('HUSH_E_USAGE', `${name} has no open rotation job`, {
        hint: `start one with hush rotate ${name}`,
      })
    // a write an earlier run cut off halfway is finished first (k8s: its rollout): a resumed step may write nothing
    await project.store.settle?.()
    const rotator = await rotatorFor(project, spec)
    if (rotator?.singleCredential && (mode === 'start' || mode === 'rollback') && !options.allowDowntime)
      throw new HushError(
        'HUSH_E_USAGE',
        `${name}'s server holds one credential: the old one stops working the moment the new one is set`,
        {
          hint: `consumers fail until they pick up the new value; accept that with --allow-downtime, or switch to an ACL user (redis) or alternating roles (postgres)`,
        },
      )
    const machine = (record: JobRecord, rollbackOf?: string) =>
      new Machine(project, spec, record, rotator, options, rollbackOf)
    const back = mode === 'rollback' ? await rollbackFrom(project, spec, job, machine) : undefined
    if (back) job = undefined // a job in its grace window was ended for it
    const earlier = back?.steps ?? []
    const rollbackOf = back?.job
    const runner = machine(
      job ?? { id: newJobId(project.world.now()), secret: name, env, lines: [] },
      rollbackOf,
    )
    if (!job) await runner.plan()
    if (mode === 'abort') await runner.abort()
    else await runner.advance(mode === 'retire' ? 0 : undefined)
    const final = runner.current
    const jobId = final.id
    const planned = lineOf(final, 'PLANNED')?.detail
    const promoted = lineOf(final, 'PROMOTED')?.detail
    return {
      secret: name,
      env,
      job: jobId,
      state: stateOf(final),
      steps: [...earlier, ...runner.steps],
      ...(planned?.from ? { fromFingerprint: String(planned.from) } : {}),
      ...(promoted?.to ? { toFingerprint: String(promoted.to) } : {}),
      ...(promoted?.graceUntil && stateOf(final) === 'GRACE'
        ? { graceUntil: String(promoted.graceUntil) }
        : {}),
    }
  } finally {
    await release()
  }
}

/**
 * What a rollback brings back: the newest value a rotation replaced (kept in history). A job in its
 * grace window (or at PROMOTED) ends first without revoking, as both values are still valid; the
 * rollback retires the new one. A job whose new value is not live yet is finished or aborted by hand.
 */
async function rollbackFrom(
  project: Project,
  spec: SecretSpec,
  job: JobRecord | undefined,
  machine: (record: JobRecord) => Machine,
): Promise<{ job: string; steps: StepReport[] }> {
  const { name } = spec
  const env = project.environment.name
  if (job && progressOf(job) !== 'GRACE' && progressOf(job) !== 'PROMOTED')
    throw new HushError('HUSH_E_LOCKED', `${name} has an open rotation job ${job.id} (${stateOf(job)})`, {
      hint: `its new value is not live yet: finish it with hush rotate ${name} --resume, or undo it with --abort`,
    })
  const current = await project.store.read(primaryMember(spec))
  const kept = await new History(project.stateDir, env, name, '').previous(current)
  if (!kept)
    throw new HushError('HUSH_E_USAGE', `no earlier value of ${name} is kept in ${env}`, {
      hint: `hush keeps the value a rotation replaced for rotate.retain (default ${DEFAULT_RETAIN}); rollback needs one`,
    })
  if (!job) return { job: kept.job, steps: [] }
  const ending = machine(job)
  await ending.supersede()
  return { job: kept.job, steps: ending.steps }
}
