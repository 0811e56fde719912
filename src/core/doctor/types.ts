export type ProbeStatus = 'ok' | 'warn' | 'fail' | 'skip'

/** One check of `hush doctor`: ok / warn / fail / skip, with a message and a fix. */
export interface Probe {
  readonly check: string
  readonly status: ProbeStatus
  readonly message: string
  readonly hint?: string
}
