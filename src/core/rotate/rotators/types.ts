/** A rotator applies a new credential to a server. Every method probes first, so calling it twice is safe. */
export interface RotationContext {
  /** the new value (pending) */
  readonly pending: string
  /** the value consumers use now; undefined on a first rotation */
  readonly current: string | undefined
}

export interface Rotator {
  /** make the pending credential valid alongside the current one */
  apply(ctx: RotationContext): Promise<string | undefined>
  /** log in with the pending credential; throw when it does not work */
  test(ctx: RotationContext): Promise<void>
  /** retire the old credential (ctx.current is the old value here) */
  revoke(ctx: RotationContext): Promise<string | undefined>
  /** undo apply: the pending credential stops working */
  abort(ctx: RotationContext): Promise<void>
}
