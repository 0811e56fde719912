import type { JobState } from './journal.js'

export interface StepReport {
  readonly state: JobState
  readonly note?: string
}

/** Test hooks: `failpoint` is called before (`before:STATE`) and after (`STATE`) each step is journaled. */
export interface MachineHooks {
  readonly failpoint?: (point: string) => void
}
