/**
 * Read and edit `.env` files exactly as the `dotenv` package's `parse()` reads them.
 *
 * LINE and cook() are copied from dotenv 18 (BSD-2-Clause, Copyright (c) 2015, Scott Motte):
 * only its own regex agrees with it on every quirk, such as a quoted value running on over
 * several lines, a quote escaped by a backslash, or a comment line swallowed by the match before it.
 * Offsets refer to the caller's text, CRLFs included, so an edit keeps every other byte.
 */
import { HushError } from '../lib/errors.js'

// dotenv's LINE, plus the `d` flag for offsets, which does not change what it matches
const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dgm
const SEPARATOR = /\s*[=:]/y
const BLANKS = /^[^\S\r\n\u2028\u2029]*/
// all that may follow a value on its own line; the regex's \s* may also run on into the next lines
const REST = /[^\S\r\n\u2028\u2029]*(?:#.*)?/y
const KEY = /^[\w.-]+$/
// safe for dotenv, and for humans and other .env readers
const PLAIN = /^[\w./:@%+,=-]*$/

export interface DotenvEntry {
  readonly key: string
  readonly value: string
  /** offset in the source of the assignment: its `export` prefix or its key */
  readonly start: number
  /** offset just past its value, closing quote or inline comment, before the line terminator */
  readonly end: number
}

interface Assignment extends DotenvEntry {
  readonly keyEnd: number
  /** the value as written, without blanks around it; with no value, the empty span after `=` or `:` */
  readonly valueStart: number
  readonly valueEnd: number
}

/** dotenv reads CRLF and CR as LF; `at[i]` is where the i-th character of `text` sits in `src`. */
function normalize(src: string): { text: string; at: number[] } {
  const at: number[] = []
  for (let i = 0; i < src.length; i++) {
    at.push(i)
    if (src[i] === '\r' && src[i + 1] === '\n') i++
  }
  at.push(src.length)
  return { text: src.replace(/\r\n?/g, '\n'), at }
}

/** dotenv's processing of a matched value, to the letter. */
function cook(raw: string): string {
  let value = raw.trim()
  const quote = value[0]
  value = value.replace(/^(['"`])([\s\S]*)\1$/gm, '$2')
  if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r')
  return value
}

function scan(src: string): Assignment[] {
  const { text, at } = normalize(src)
  const found: Assignment[] = []
  for (const m of text.matchAll(LINE)) {
    const raw = m[2]
    const keyEnd = m.indices![1]![1]
    let valueStart: number
    let valueEnd: number
    if (raw === undefined) {
      SEPARATOR.lastIndex = keyEnd
      valueStart = valueEnd = keyEnd + SEPARATOR.exec(text)![0].length
    } else {
      const written = raw.trimEnd()
      valueEnd = m.indices![2]![0] + written.length
      valueStart = m.indices![2]![0] + BLANKS.exec(written)![0].length
    }
    REST.lastIndex = valueEnd
    const end = valueEnd + REST.exec(text)![0].length
    const start = m.index + m[0].length - m[0].trimStart().length
    const [s, k, vs, ve, e] = [start, keyEnd, valueStart, valueEnd, end].map((i) => at[i]!) as [number, number, number, number, number]
    found.push({ key: m[1]!, value: cook(raw ?? ''), start: s, end: e, keyEnd: k, valueStart: vs, valueEnd: ve })
  }
  return found
}

export function parseDotenv(src: string): DotenvEntry[] {
  return scan(src).map(({ key, value, start, end }) => ({ key, value, start, end }))
}

/** Keys to values; a key assigned twice keeps its last value, as in dotenv. */
export function toRecord(entries: readonly DotenvEntry[]): Record<string, string> {
  // a plain object, so that `__proto__` is dropped exactly as dotenv drops it
  const out: Record<string, string> = {}
  for (const e of entries) out[e.key] = e.value
  return out
}

function assertKey(key: string): void {
  if (!KEY.test(key) || key === '__proto__')
    throw new HushError('HUSH_E_UNSAFE_NAME', `${JSON.stringify(key)} is not a key dotenv can read`, {
      hint: 'use letters, digits, "_", "." and "-" (set env: in hush.yaml)',
    })
}

// a quote the regex would take for the closing one: not escaped by a backslash
const bare = (quote: string) => new RegExp(`(?:^|[^\\\\])${quote}`)
const BARE = { "'": bare("'"), '"': bare('"'), '`': bare('`') }

/**
 * Every right-hand side that dotenv reads back as exactly `value` whatever follows on later
 * lines, best first. A quoted value cannot end in a backslash, which would escape its closing
 * quote, nor hold its quote unescaped; only double quotes can carry a CR (as `\r`), but they
 * turn a written `\n` or `\r` into a newline or CR. Unquoted, a value loses its outer blanks and
 * everything from a `#`, ends at a newline, and is unquoted again if it starts with a quote.
 */
function quotings(value: string): string[] {
  const forms: string[] = PLAIN.test(value) ? [value] : []
  if (!value.endsWith('\\')) {
    const cr = value.includes('\r')
    if (!cr && !BARE["'"].test(value)) forms.push(`'${value}'`)
    if (!BARE['"'].test(value) && !/\\[nr]/.test(value))
      forms.push(`"${value.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`)
    if (!cr && !BARE['`'].test(value)) forms.push(`\`${value}\``)
  }
  // \u2028 and \u2029 end a line for the `m` flag of cook()'s quote stripping
  if (value === value.trim() && !/^['"`]|[#\r\n\u2028\u2029]/.test(value)) forms.push(value)
  return [...new Set(forms)]
}

function unrepresentable(key: string): HushError {
  return new HushError(
    'HUSH_E_DOTENV_UNREPRESENTABLE',
    `the value of ${key} cannot be written to a .env file without changing it`,
    { hint: 'dotenv reads every quoting of it back differently; use the files store for this secret' },
  )
}

/** The right-hand side of `key=` that dotenv reads back as exactly `value`. */
export function quoteDotenvValue(key: string, value: string): string {
  const [form] = quotings(value)
  if (form === undefined) throw unrepresentable(key)
  return form
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k])
}

/**
 * Set `key` to `value`: its last assignment is rewritten in place, keeping its `export`,
 * separator and inline comment (dotenv keeps the last one), or one is appended. Every result is
 * read back: a quote left open higher up can reach into a new line, so another quoting is tried.
 */
export function upsertDotenv(src: string, key: string, value: string): string {
  assertKey(key)
  const forms = quotings(value)
  if (forms.length === 0) throw unrepresentable(key)
  const entries = scan(src)
  const last = entries.filter((e) => e.key === key).at(-1)
  const eol = src.includes('\r\n') ? '\r\n' : '\n'
  const want = { ...toRecord(entries), [key]: value }
  for (const form of forms) {
    const rhs = form.replace(/\n/g, eol)
    const out = last
      ? // `KEY:` with no value needs its blank back
        `${src.slice(0, last.valueStart).replace(/:$/, ': ')}${rhs}${src.slice(last.valueEnd)}`
      : `${src}${src === '' || /[\r\n]$/.test(src) ? '' : eol}${key}=${rhs}${eol}`
    if (sameRecord(toRecord(scan(out)), want)) return out
  }
  throw new HushError(
    'HUSH_E_DOTENV_UNREPRESENTABLE',
    `${key} cannot be written to this .env file without changing how its other lines are read`,
    { hint: 'a line above it probably opens a quote it never closes; fix that line by hand' },
  )
}

/** Remove every assignment of `key`, with its line terminator. */
export function removeDotenv(src: string, key: string): string {
  assertKey(key)
  const entries = scan(src)
  let out = src
  for (const e of entries.filter((x) => x.key === key).reverse()) {
    const lineStart = e.start - /[^\r\n\u2028\u2029]*$/.exec(out.slice(0, e.start))![0].length
    const lineEnd = e.end + /^(?:\r\n|[\r\n\u2028\u2029])?/.exec(out.slice(e.end))![0].length
    out = out.slice(0, lineStart) + out.slice(lineEnd)
  }
  const want = Object.fromEntries(Object.entries(toRecord(entries)).filter(([k]) => k !== key))
  if (!sameRecord(toRecord(scan(out)), want))
    throw new HushError('HUSH_E_STORE_CORRUPT', `removing ${key} would change how other lines of the .env file are read`, {
      hint: 'a line above it probably opens a quote it never closes; fix that line by hand',
    })
  return out
}
