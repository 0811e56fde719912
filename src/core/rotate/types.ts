import type { RollEvent } from '../../stores/types.js'
import type { JobState } from './journal.js'

export interface StepReport {
  readonly state: JobState
  readonly note?: string
}

/** A step about to run (announced before it runs, like its audit entry): names and fingerprints only. */
export interface StepEvent {
  readonly event: 'step'
  readonly secret: string
  readonly state: JobState
  /** the fingerprint of the value the step works on, when it has one */
  readonly fingerprint?: string
}

/** What a rotation reports while it runs: its steps, and the rolling of the consumers they move. */
export type ProgressEvent = StepEvent | RollEvent

/**
 * `progress` gets each step before it runs and each consumer's update and convergence. Test hooks:
 * `failpoint` is called before (`before:STATE`) and after (`STATE`) each step is journaled.
 */
export interface MachineHooks {
  readonly progress?: (event: ProgressEvent) => void
  readonly failpoint?: (point: string) => void
}
