/** What core functions see of the outside: a working directory, environment variables and a clock (frozen in tests). */
export interface World {
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly now: () => Date
}

export const realWorld = (): World => ({ cwd: process.cwd(), env: process.env, now: () => new Date() })
