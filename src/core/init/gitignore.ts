/** The .gitignore lines `hush init` adds: the files store and hush's state directory. */
import type { Inference } from './types.js'

/** A line that ignores the same directory, whether written `/x/`, `x/`, `/x`, `x`, `/x/*` or `/x/**`. */
const normalized = (line: string) =>
  line
    .trim()
    .replace(/\/\*{1,2}$/, '')
    .replace(/^\/|\/$/g, '')

/**
 * The lines to append to `.gitignore` (`existing` is its text, undefined when
 * there is none); empty when every one is already covered, so running init
 * twice adds nothing.
 *
 * @example
 * gitignoreAdditions('node_modules/\n', inf) // ['/docker/secrets/', '.hush/']
 */
export function gitignoreAdditions(existing: string | undefined, inf: Inference): string[] {
  // production's values are under .secrets/ (and development's too without a store path): ignore them all
  const wanted = [...new Set([`/${inf.storePath ?? '.secrets'}/`, '/.secrets/']), '.hush/']
  const present = new Set(
    (existing ?? '')
      .split(/\r?\n/)
      .filter((l) => !/^\s*(#|!|$)/.test(l))
      .map(normalized),
  )
  return wanted.filter((line) => !present.has(normalized(line)))
}
