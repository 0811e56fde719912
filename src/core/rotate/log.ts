/** A job's audit events and journal lines: each step is audited before it runs, journaled once done. */
import type { Project } from '../project.js'
import { type JobRecord, type JobState, Journal } from './journal.js'
import type { MachineHooks, StepReport } from './types.js'

export type Detail = Record<string, string | number | boolean>

export class JobLog {
  readonly steps: StepReport[] = []
  private readonly journal: Journal

  constructor(
    private readonly project: Project,
    private readonly secret: string,
    private readonly hooks: MachineHooks,
    private readonly rollback = false,
  ) {
    this.journal = new Journal(project.stateDir)
  }

  /**
   * Audit a step before it runs (intent first, fingerprints only): a step whose entry cannot be
   * appended fails before it changes anything. A step retried after a crash is announced again.
   * The progress hook hears of it once it is audited.
   */
  async announce(job: JobRecord, state: JobState, fp?: string): Promise<void> {
    // a rollback runs the same steps with the value a rotation replaced
    const rollback = job.lines.some((l) => l.detail?.rollback !== undefined) || this.rollback
    const event = {
      action: rollback ? ('rollback' as const) : ('rotate' as const),
      secret: this.secret,
      env: job.env,
      detail: state.toLowerCase(),
    }
    const at = this.project.world.now().toISOString()
    await this.project.audit.append([{ ...event, ...(fp ? { fp } : {}) }], this.project.actor, at)
    this.hooks.progress?.({ event: 'step', secret: this.secret, state, ...(fp ? { fingerprint: fp } : {}) })
  }

  /** Journal the step once it is done; the failpoint hook runs on either side. */
  async record(
    job: JobRecord,
    state: JobState,
    journaled: (job: JobRecord) => void,
    detail?: Detail,
    note?: string,
  ): Promise<void> {
    this.hooks.failpoint?.(`before:${state}`)
    const line = { state, at: this.project.world.now().toISOString(), ...(detail ? { detail } : {}) }
    await this.journal.append(job, line)
    // the caller sees the line at once, so a failure after it (failpoint) names the right step
    journaled({ ...job, lines: [...job.lines, line] })
    this.steps.push({ state, ...(note ? { note } : {}) })
    this.hooks.failpoint?.(state)
  }
}
