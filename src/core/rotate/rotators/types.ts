/** A rotator applies a new credential to a server. Every method probes first, so calling it twice is safe. */
export interface RotationContext {
  /** the new value (pending) */
  readonly pending: string
  /** the value consumers use now; undefined on a first rotation */
  readonly current: string | undefined
  /** what plan() returned when the job started (fixed for the job's life, e.g. the target role) */
  readonly job: Readonly<Record<string, string>>
}

export interface Rotator {
  /** the server holds one credential only: the old one stops working at APPLIED (needs --allow-downtime) */
  readonly singleCredential?: boolean
  /** decide, once per job, what the job works on; journaled with PLANNED (no values) */
  plan?(ctx: Omit<RotationContext, 'job' | 'pending'>): Promise<Record<string, string>>
  /** store entries to write beside the value at PROMOTED (e.g. the now-active role) */
  promoted?(ctx: RotationContext): Record<string, string>
  /** make the pending credential valid alongside the current one */
  apply(ctx: RotationContext): Promise<string | undefined>
  /** log in with the pending credential; throw when it does not work */
  test(ctx: RotationContext): Promise<void>
  /** retire the old credential (ctx.current is the old value here) */
  revoke(ctx: RotationContext): Promise<string | undefined>
  /** undo apply: the pending credential stops working */
  abort(ctx: RotationContext): Promise<void>
}
