/** A job's journal lines and audit events, written as the machine takes each step. */
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
  ) {
    this.journal = new Journal(project.stateDir)
  }

  /** Journal the step (then audit it, fingerprints only); the failpoint hook runs on either side. */
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
    // the caller sees the line at once, so a failure after it (audit, failpoint) names the right step
    journaled({ ...job, lines: [...job.lines, line] })
    const fp = typeof detail?.to === 'string' ? detail.to : undefined
    const event = {
      action: 'rotate' as const,
      secret: this.secret,
      env: job.env,
      detail: state.toLowerCase(),
    }
    await this.project.audit.append([{ ...event, ...(fp ? { fp } : {}) }], this.project.actor, line.at)
    this.steps.push({ state, ...(note ? { note } : {}) })
    this.hooks.failpoint?.(state)
  }
}
