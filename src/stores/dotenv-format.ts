/**
 * Read and edit `.env` files exactly as the `dotenv` package reads them.
 *
 * The LINE expression and the value post-processing mirror dotenv's `parse()`
 * (dotenv, BSD-2-Clause, © Scott Motte), so what hush reads is what an
 * application using dotenv reads, and what hush writes dotenv parses back
 * exactly. Edits replace only the value of an assignment, so comments, order,
 * inline comments and unrelated keys are kept. Files with CR line endings are
 * normalized to LF, as dotenv does before parsing.
 */
import { HushError } from '../lib/errors.js'

const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dgm
const KEY = /^[\w.-]+$/

export interface DotenvEntry {
  readonly key: string
  readonly value: string
  /** offset of the assignment (its `export` or key) in the normalized text */
  readonly start: number
  /** end of the assignment, inline comment included, line terminator excluded */
  readonly end: number
  /** where the raw value sits; equal offsets when the value is empty */
  readonly valueStart: number
  readonly valueEnd: number
}

function normalize(src: string): string {
  return src.replace(/\r\n?/g, '\n')
}

/** dotenv's post-processing of a matched raw value. */
function cook(raw: string): string {
  let value = raw.trim()
  const quote = value[0]
  value = value.replace(/^(['"`])([\s\S]*)\1$/gm, '$2')
  if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r')
  return value
}

export function parseDotenv(src: string): DotenvEntry[] {
  const text = normalize(src)
  const entries: DotenvEntry[] = []
  for (const m of text.matchAll(LINE)) {
    const [matchStart] = m.indices![0]!
    const start = matchStart + m[0].length - m[0].trimStart().length
    const keyEnd = m.indices![1]![1]
    // no value: it would start right after the separator
    const [valueStart, valueEnd] = m.indices![2] ?? [
      keyEnd + /^\s*(=|:\s)/.exec(text.slice(keyEnd))![0].length,
      0,
    ]
    const valueStop = Math.max(valueStart, valueEnd)
    // the regex may run on into a comment on the next line; the assignment ends with its own line
    const lineEnd = text.indexOf('\n', valueStop)
    const end = lineEnd === -1 ? text.length : lineEnd
    entries.push({ key: m[1]!, value: cook(m[2] ?? ''), start, end, valueStart, valueEnd: valueStop })
  }
  return entries
}

/** Keys to values; a key assigned twice keeps its last value, as in dotenv. */
export function toRecord(entries: readonly DotenvEntry[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of entries) out[e.key] = e.value
  return out
}

function assertKey(key: string): void {
  if (!KEY.test(key))
    throw new HushError('HUSH_E_UNSAFE_NAME', `${JSON.stringify(key)} is not a valid .env key`, {
      hint: 'use letters, digits, "_", "." and "-" (set env: in hush.yaml)',
    })
}

/**
 * The right-hand side that dotenv parses back to exactly `value`. Each quoting
 * has a blind spot: single quotes and backticks cannot hold their own quote
 * or a CR; double quotes expand `\n` and `\r`; a trailing backslash would
 * escape any closing quote. A value that fits none is refused.
 */
export function quoteDotenvValue(key: string, value: string): string {
  if (/^[A-Za-z0-9_./:@%+,=~-]+$/.test(value)) return value
  const trailingBackslash = value.endsWith('\\')
  if (!trailingBackslash && !value.includes('\r')) {
    if (!value.includes("'")) return `'${value}'`
    if (!value.includes('`')) return `\`${value}\``
  }
  if (!trailingBackslash && !value.includes('"') && !/\\[nr]/.test(value))
    return `"${value.replace(/\r/g, '\\r')}"`
  throw new HushError(
    'HUSH_E_DOTENV_UNREPRESENTABLE',
    `the value of ${key} cannot be written to a .env file without changing it`,
    {
      hint: 'it mixes quote characters, CRs or backslashes in a way dotenv cannot read back; use the files store for this secret',
    },
  )
}

/** Set `key` to `value`: the last assignment of the key is changed in place, or one is appended. */
export function upsertDotenv(src: string, key: string, value: string): string {
  assertKey(key)
  const rhs = quoteDotenvValue(key, value)
  const text = normalize(src)
  const last = parseDotenv(text)
    .filter((e) => e.key === key)
    .at(-1)
  if (!last) return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${key}=${rhs}\n`
  // keep the blank between an unquoted value and its inline comment
  const gap = /\s*$/.exec(text.slice(last.valueStart, last.valueEnd))![0]
  return `${text.slice(0, last.valueStart)}${rhs}${gap}${text.slice(last.valueEnd)}`
}

/** Remove every assignment of `key`, with its line. */
export function removeDotenv(src: string, key: string): string {
  assertKey(key)
  let text = normalize(src)
  for (const e of parseDotenv(text)
    .filter((x) => x.key === key)
    .reverse()) {
    const lineStart = text.lastIndexOf('\n', e.start - 1) + 1
    const lineEnd = text[e.end] === '\n' ? e.end + 1 : e.end
    text = text.slice(0, lineStart) + text.slice(lineEnd)
  }
  return text
}
