/**
 * The rotation step machine (ROTATION.md): PLANNED → GENERATED → APPLIED → VERIFIED → DISTRIBUTED
 * → PROMOTED → GRACE → REVOKED. Each step probes before acting and is journaled after its side
 * effect, so a killed job resumes with the same pending value and never applies twice. Local
 * changes are the strategy's, server changes the rotator's, values beyond the store the targets'.
 */
import { HushError } from '../../lib/errors.js'
import { generate } from '../generate/generators.js'
import { primaryMember } from '../manifest/members.js'
import { sinkNamesOf } from '../manifest/rules.js'
import type { SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { History } from './history.js'
import { type JobRecord, type JobState, Journal, lineOf, progressOf } from './journal.js'
import { type Detail, JobLog } from './log.js'
import type { RotationContext, Rotator } from './rotators/types.js'
import { pointBack, promote, revoke, type StepParties } from './steps.js'
import { type Entries, type Strategy, strategyOf } from './strategies/index.js'
import { RotationTargets } from './targets.js'
import type { MachineHooks, StepReport } from './types.js'
import { entriesOf, localValues, promotedValues, rotationContext } from './values.js'

export class Machine implements StepParties {
  private readonly journal: Journal
  private readonly log: JobLog
  readonly strategy: Strategy
  readonly targets: RotationTargets
  readonly history: History
  readonly entries: Entries

  constructor(
    readonly project: Project,
    readonly spec: SecretSpec,
    private job: JobRecord,
    private readonly rotator: Rotator | undefined,
    hooks: MachineHooks = {},
    /** a rollback: the job whose replaced value (in history) becomes current again */
    private readonly rollbackOf?: string,
  ) {
    this.journal = new Journal(project.stateDir)
    this.log = new JobLog(project, spec.name, hooks, rollbackOf !== undefined)
    this.strategy = strategyOf(spec)
    this.targets = new RotationTargets(project, hooks.progress)
    this.history = new History(project.stateDir, project.environment.name, spec.name, job.id)
    this.entries = entriesOf(project)
  }

  get current(): JobRecord {
    return this.job
  }

  get steps(): StepReport[] {
    return this.log.steps
  }

  /** Audit a step before it runs: nothing changes unless its entry is in the audit log. */
  private async announce(state: JobState, fp?: string): Promise<void> {
    await this.log.announce(this.job, state, fp)
  }

  private async record(state: JobState, detail?: Detail, note?: string): Promise<void> {
    await this.log.record(this.job, state, (job) => (this.job = job), detail, note)
  }

  private pending(): Promise<string> {
    return this.journal.requirePending(this.job)
  }

  private currentValue(): Promise<string | undefined> {
    return this.project.store.read(primaryMember(this.spec))
  }

  private ctx(pending: string, current: string | undefined): RotationContext {
    return rotationContext(this.job, pending, current)
  }

  private promoted(value: string): Promise<Record<string, string>> {
    return promotedValues(
      this.project,
      this.spec,
      this.strategy,
      value,
      (current) => this.rotator?.promoted?.(this.ctx(value, current)) ?? {},
    )
  }

  /** What the local store holds now for every entry a promotion of `value` touches. */
  async localOf(value: string): Promise<Record<string, string>> {
    return localValues(this.project, Object.keys(await this.promoted(value)))
  }

  /** Open the job: note the strategy and the current value's fingerprint. */
  async plan(): Promise<void> {
    const current = await this.currentValue()
    await this.announce('PLANNED', current !== undefined ? this.project.fingerprint(current) : undefined)
    await this.record('PLANNED', {
      strategy: this.strategy.name,
      ...(current !== undefined ? { from: this.project.fingerprint(current) } : {}),
      ...(this.rollbackOf ? { rollback: this.rollbackOf } : {}),
      ...(await this.rotator?.plan?.({ current })),
    })
  }

  /** The value the job brings in: the replaced one (rollback) or a fresh one. */
  private async freshValue(): Promise<string> {
    const back = lineOf(this.job, 'PLANNED')?.detail?.rollback
    if (back === undefined) return this.spec.source === 'generated' ? generate(this.spec.generator).value : ''
    const value = await this.history.readJob(String(back))
    if (value === undefined)
      throw new HushError('HUSH_E_USAGE', `the value job ${back} replaced is no longer kept`, {
        hint: `abort this rollback: hush rotate ${this.spec.name} --abort`,
      })
    return value
  }

  /** Run the next steps until the job waits (GRACE) or ends; a failing step is journaled as FAILED. */
  async advance(graceOverride?: number): Promise<void> {
    try {
      while (await this.step(graceOverride));
    } catch (err) {
      const code = err instanceof HushError ? err.code : 'HUSH_E_INTERNAL'
      await this.record('FAILED', { step: progressOf(this.job), code })
      // after the fact, and best effort: the failure being reported may be the audit log itself
      await this.announce('FAILED').catch(() => {})
      throw err
    }
  }

  /** Take the next step; false when the job waits or has ended. */
  private async step(graceOverride?: number): Promise<boolean> {
    const { spec, project, strategy, rotator, entries, targets } = this
    const fp = project.fingerprint
    switch (progressOf(this.job)) {
      case 'PLANNED': {
        // reuse a pending value a killed run already stored; never regenerate
        const value = (await this.journal.readPending(this.job)) ?? (await this.freshValue())
        await this.journal.writePending(this.job, value)
        await this.announce('GENERATED', fp(value))
        await this.record('GENERATED', { to: fp(value) })
        return true
      }
      case 'GENERATED': {
        const value = await this.pending()
        await this.announce('APPLIED', fp(value))
        const accepted = await strategy.apply(spec, entries, value)
        const sent = Object.keys(accepted).length > 0 ? await targets.send(accepted) : undefined
        // a server rotator makes the new credential valid beside the current one
        const applied = await rotator?.apply(this.ctx(value, await this.currentValue()))
        const note = strategy.notes.applied
          ? `${Object.keys(accepted).join(', ')} ${strategy.notes.applied}${sent ? ` (${sent})` : ''}`
          : applied
        await this.record('APPLIED', { to: fp(value) }, note)
        return true
      }
      case 'APPLIED': {
        const value = await this.pending()
        await this.announce('VERIFIED', fp(value))
        await strategy.verify(spec, entries, value)
        await rotator?.test(this.ctx(value, undefined))
        const note = rotator ? 'logged in with the new credential' : undefined
        await this.record('VERIFIED', { to: fp(value) }, note)
        return true
      }
      case 'VERIFIED': {
        // the targets get the promoted values now, staged where they can (AWSPENDING); the local store at PROMOTED
        await this.announce('DISTRIBUTED')
        const note = await targets.send(await this.promoted(await this.pending()), { stage: true })
        const sinks = [
          `${project.environment.store} ${project.store.location}`,
          ...sinkNamesOf(project.environment),
        ]
        await this.record('DISTRIBUTED', { sinks: sinks.join(', ') }, note)
        return true
      }
      case 'DISTRIBUTED': {
        const value = await this.pending()
        await this.announce('PROMOTED', fp(value))
        const current = await this.currentValue()
        const flips = rotator?.promoted?.(this.ctx(value, current)) ?? {}
        const note = await promote(this, value, current, flips)
        const graceMs = graceOverride ?? strategy.graceMs(spec, rotator !== undefined)
        const graceUntil = new Date(project.world.now().getTime() + graceMs).toISOString()
        const from = lineOf(this.job, 'PLANNED')?.detail?.from
        const detail = { to: fp(value), graceUntil, ...(from ? { from: String(from) } : {}) }
        await this.record('PROMOTED', detail, note)
        return true
      }
      case 'PROMOTED':
        await this.announce('GRACE')
        await this.record('GRACE', { until: String(lineOf(this.job, 'PROMOTED')?.detail?.graceUntil ?? '') })
        return true
      case 'GRACE': {
        const until = Date.parse(String(lineOf(this.job, 'GRACE')?.detail?.until ?? 0))
        if (graceOverride === undefined && until > project.world.now().getTime()) return false // still in grace
        const value = await this.pending()
        await this.announce('REVOKED', fp(value))
        const note = await revoke(this, value, async (old) => rotator?.revoke(this.ctx(value, old)))
        await this.journal.dropPending(this.job)
        await this.record('REVOKED', { to: fp(value) }, note)
        return false
      }
      default:
        return false
    }
  }

  /**
   * End a job in its grace window for a rollback: old and new value are both still valid, so
   * nothing is revoked here; the rollback job makes the old value current and retires the new one.
   */
  async supersede(): Promise<void> {
    const state = progressOf(this.job)
    await this.announce('ABORTED')
    await this.journal.dropPending(this.job)
    await this.record(
      'ABORTED',
      { from: state, by: 'rollback' },
      'ended by a rollback; both values stay valid until it retires the new one',
    )
  }

  /** Undo what the job did before PROMOTED: the old value stays current, the new key leaves the verify set. */
  async abort(): Promise<void> {
    const state = progressOf(this.job)
    if (this.job.lines.some((l) => l.state === 'PROMOTED'))
      throw new HushError('HUSH_E_USAGE', `job ${this.job.id} is past PROMOTED: the new value is live`, {
        hint: `finish it with hush rotate ${this.spec.name} --retire, or rotate again`,
      })
    const pending = await this.journal.readPending(this.job)
    // probe: a PROMOTED step cut off before it was journaled has already made the new value current
    if (pending !== undefined && (await this.currentValue()) === pending)
      throw new HushError(
        'HUSH_E_USAGE',
        `job ${this.job.id}'s new value is already current (PROMOTED was cut off)`,
        {
          hint: `finish it with hush rotate ${this.spec.name} --resume`,
        },
      )
    await this.announce('ABORTED')
    await this.strategy.abort(this.spec, this.entries)
    // targets were sent something once a key ring applied (its verify set) or a job verified (DISTRIBUTED
    // may have begun); before that, an unreachable mirror holds nothing to point back
    const sent = this.strategy.name === 'keyring' || state === 'VERIFIED' || state === 'DISTRIBUTED'
    const { note, unreachable } =
      pending !== undefined && sent
        ? await pointBack(this, pending, this.job.id)
        : { note: undefined, unreachable: [] }
    if (pending !== undefined) await this.rotator?.abort(this.ctx(pending, await this.currentValue()))
    await this.journal.dropPending(this.job)
    const repair = unreachable.join(', ')
    await this.record('ABORTED', { from: state, ...(repair ? { repair } : {}) }, note)
  }
}
