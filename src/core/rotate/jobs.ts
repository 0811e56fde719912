/** Open rotation jobs as `hush status` reports them: failed, stuck, or past their grace window. */
import type { Project } from '../project.js'
import { isOpen, Journal, lineOf, progressOf, stateOf } from './journal.js'

/** A job open this long outside GRACE is stuck: a crash nobody resumed. */
export const STUCK_AFTER_MS = 60 * 60 * 1000

export type JobProblem = 'failed' | 'stuck' | 'grace-expired-not-revoked'

export interface JobStatus {
  readonly secret: string
  readonly job: string
  readonly state: string
  readonly since: string
  readonly problem?: JobProblem
}

export async function openJobs(project: Project): Promise<JobStatus[]> {
  const now = project.world.now().getTime()
  const jobs = (await new Journal(project.stateDir).jobs(project.environment.name)).filter(isOpen)
  return jobs.map((job) => {
    const last = job.lines.at(-1)
    const since = last?.at ?? new Date(0).toISOString()
    const state = stateOf(job)
    const graceUntil = Date.parse(String(lineOf(job, 'GRACE')?.detail?.until ?? ''))
    const problem: JobProblem | undefined =
      state === 'FAILED'
        ? 'failed'
        : progressOf(job) === 'GRACE'
          ? graceUntil < now
            ? 'grace-expired-not-revoked'
            : undefined
          : now - Date.parse(since) > STUCK_AFTER_MS
            ? 'stuck'
            : undefined
    return { secret: job.secret, job: job.id, state, since, ...(problem ? { problem } : {}) }
  })
}
