/** What core functions see of the outside: a working directory, environment variables and a clock (frozen in tests). */
export interface World {
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly now: () => Date
}

/** HUSH_NOW (an ISO date) freezes the clock, for tests and reproducible demos, as SOURCE_DATE_EPOCH does for builds. */
export const realWorld = (): World => {
  const frozen = process.env.HUSH_NOW ? new Date(process.env.HUSH_NOW) : undefined
  const now = frozen && !Number.isNaN(frozen.getTime()) ? () => new Date(frozen) : () => new Date()
  return { cwd: process.cwd(), env: process.env, now }
}
