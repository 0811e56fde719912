/**
 * Regular expressions hush did not write itself — `pattern:` and `scan.rules` in hush.yaml, the
 * globs of `scan.allow.paths`, scan rules a library caller passes — run on RE2 (re2js, pure
 * JavaScript), whose matching time grows linearly with the input whatever the pattern: `^(a+)+$`
 * cannot hang hush. RE2 reads JavaScript syntax except backreferences (`\1`) and lookahead
 * (`(?=`, `(?!`); a lookbehind that captures nothing works. The source and its compiled program are
 * bounded, so the cost per input character is bounded too.
 */
import { RE2JS } from 're2js'

/** The longest source accepted, in characters. */
export const MAX_PATTERN_LENGTH = 1024
/**
 * The largest compiled program accepted, in RE2 instructions: matching costs at most this many
 * steps per input character. Counted repetitions multiply it (`[a-z]{1000}` is about 1,000).
 */
export const MAX_PROGRAM_SIZE = 10_000

export interface LinearRegexOptions {
  readonly caseInsensitive?: boolean
  /** `^` and `$` also match at line breaks */
  readonly multiline?: boolean
}

export interface LinearRegex {
  readonly source: string
  /** Whether the regex matches anywhere in `text` (like RegExp#test). */
  test(text: string): boolean
  /** Every match, left to right: the [start, end) of its first group that took part, else of the whole match. */
  spans(text: string): Generator<[number, number]>
}

export type LinearRegexResult =
  | { readonly ok: true; readonly regex: LinearRegex }
  | { readonly ok: false; readonly problem: string }

function compiled(source: string, re: RE2JS): LinearRegex {
  return {
    source,
    test: (text) => re.test(text),
    *spans(text) {
      const m = re.matcher(text)
      const groups = m.groupCount()
      while (m.find()) {
        let group = 0
        for (let g = 1; g <= groups && group === 0; g++) if (m.start(g) >= 0) group = g
        yield [m.start(group), m.end(group)]
      }
    },
  }
}

/** Compile `source` for RE2, or say in a few words why it is refused (never with the text it would match). */
export function compileLinearRegex(source: string, options: LinearRegexOptions = {}): LinearRegexResult {
  if (source.length > MAX_PATTERN_LENGTH)
    return { ok: false, problem: `is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}` }
  let re: RE2JS
  try {
    const flags =
      RE2JS.LOOKBEHINDS |
      (options.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0) |
      (options.multiline ? RE2JS.MULTILINE : 0)
    re = RE2JS.compile(RE2JS.translateRegExp(source), flags)
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err)
    const unsupported = /\\\d|\(\?[=!]/.test(reason)
      ? '; RE2 has no backreferences or lookahead, which is what keeps it linear-time'
      : ''
    return { ok: false, problem: `is not a regular expression RE2 accepts (${reason})${unsupported}` }
  }
  const size = re.programSize()
  if (size > MAX_PROGRAM_SIZE)
    return {
      ok: false,
      problem: `compiles to ${size} instructions; the limit is ${MAX_PROGRAM_SIZE} (lower the repetition counts)`,
    }
  return { ok: true, regex: compiled(source, re) }
}
