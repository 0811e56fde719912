/**
 * Which environment of hush.yaml a command or the library works on when none
 * is named: the one rule shared by the CLI (`-e`, `hush run`) and the runtime.
 */

/** The environment used when neither `-e` nor `HUSH_ENV` names one. */
export const DEFAULT_ENVIRONMENT = 'development'

/**
 * The explicit name (`-e`), else `HUSH_ENV`, else `development`. An empty
 * string counts as unset, so `HUSH_ENV=` behaves as if it were not there.
 *
 * @example
 * defaultEnvironment(undefined, { HUSH_ENV: '' }) // 'development'
 */
export function defaultEnvironment(
  explicit: string | undefined,
  processEnv: Readonly<Record<string, string | undefined>>,
): string {
  return explicit || processEnv.HUSH_ENV || DEFAULT_ENVIRONMENT
}
