/**
 * The exit statuses of the hush CLI: one table that the commands return and
 * `hush --help` lists. It lives in lib/ so that {@link ../errors.ts}'s
 * ERROR_CODES can name these statuses too without reaching up into cli/.
 */

/** Success. */
export const EXIT_OK = 0
/** check, scan or doctor found problems, or an operation failed. */
export const EXIT_PROBLEMS = 1
/** The command line or hush.yaml is wrong. */
export const EXIT_USAGE = 2
/** `status --check` found overdue secrets or failed / stuck rotation jobs. */
export const EXIT_OVERDUE = 3
/** Some of several operations failed: push to some of its targets, rotate of some of its secrets. */
export const EXIT_PARTIAL = 4
/** `hush run`: the command exists but cannot be executed (the shell's status for it). */
export const EXIT_NOT_EXECUTABLE = 126
/** `hush run`: the command was not found (the shell's status for it). */
export const EXIT_NOT_FOUND = 127

export type ExitCode =
  | typeof EXIT_OK
  | typeof EXIT_PROBLEMS
  | typeof EXIT_USAGE
  | typeof EXIT_OVERDUE
  | typeof EXIT_PARTIAL
  | typeof EXIT_NOT_EXECUTABLE
  | typeof EXIT_NOT_FOUND

/** Every exit status and what it means, in order; `hush --help` prints this. */
export const EXIT_CODES: readonly { readonly code: ExitCode; readonly means: string }[] = [
  { code: EXIT_OK, means: 'ok' },
  { code: EXIT_PROBLEMS, means: 'check, scan or doctor found problems, or an operation failed' },
  { code: EXIT_USAGE, means: 'usage or manifest error' },
  { code: EXIT_OVERDUE, means: 'status --check found overdue secrets or failed / stuck rotation jobs' },
  { code: EXIT_PARTIAL, means: 'some of several operations failed (push to some targets, rotate a b)' },
  { code: EXIT_NOT_EXECUTABLE, means: 'run: the command exists but cannot be executed' },
  { code: EXIT_NOT_FOUND, means: 'run: the command was not found' },
]

/** The table for help text, one indented `code  meaning` line per status. */
export function describeExitCodes(): string {
  return EXIT_CODES.map((e) => `  ${e.code}  ${e.means}`).join('\n')
}
