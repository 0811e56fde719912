/**
 * Read and edit `.env` files exactly as the `dotenv` package's `parse()` reads them.
 *
 * LINE and cook() are copied from dotenv 18 (BSD-2-Clause, Copyright (c) 2015, Scott Motte):
 * only its own regex agrees with it on every quirk, such as a quoted value running on over
 * several lines, a quote escaped by a backslash, or a comment line swallowed by the match before it.
 * Offsets refer to the caller's text, CRLFs included, so an edit keeps every other byte.
 */
import { HushError } from './errors.js'

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
  /** where the value is written, without blanks around it; with no value, just after `=` or `:` */
  readonly rhs: readonly [number, number]
}

/** dotenv reads CRLF and CR as LF; `at[i]` is where the i-th character of `text` sits in `src`. */
function normalize(src: string): { text: string; at: number[] } {
  const at: number[] = []
  for (let i = 0; i < src.length; i += src.startsWith('\r\n', i) ? 2 : 1) at.push(i)
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
  return [...text.matchAll(LINE)].map((m) => {
    const raw = m[2] ?? ''
    const written = raw.trimEnd()
    let from = m.indices![2]?.[0] ?? 0
    let to = from + written.length
    from += BLANKS.exec(written)![0].length
    if (written === '') {
      // blanks after `KEY:` may be on the next line; the assignment itself stays on this one
      SEPARATOR.lastIndex = m.indices![1]![1]
      SEPARATOR.exec(text)
      from = to = SEPARATOR.lastIndex
    }
    REST.lastIndex = to
    REST.exec(text)
    const start = m.index + m[0].length - m[0].trimStart().length
    const rhs = [at[from]!, at[to]!] as const
    return { key: m[1]!, value: cook(raw), start: at[start]!, end: at[REST.lastIndex]!, rhs }
  })
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
const hasBare = (quote: string, value: string) => new RegExp(`(?:^|[^\\\\])${quote}`).test(value)

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
    if (!cr && !hasBare("'", value)) forms.push(`'${value}'`)
    if (!hasBare('"', value) && !/\\[nr]/.test(value))
      forms.push(`"${value.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`)
    if (!cr && !hasBare('`', value)) forms.push(`\`${value}\``)
  }
  // \u2028 and \u2029 end a line for the `m` flag of cook()'s quote stripping
  if (value === value.trim() && !/^['"`]|[#\r\n\u2028\u2029]/.test(value)) forms.push(value)
  return [...new Set(forms)]
}

/** The right-hand side of `key=` that dotenv reads back as exactly `value`. */
export function quoteDotenvValue(key: string, value: string): string {
  const [form] = quotings(value)
  if (form !== undefined) return form
  throw new HushError(
    'HUSH_E_DOTENV_UNREPRESENTABLE',
    `the value of ${key} cannot be written to a .env file without changing it`,
    { hint: 'dotenv reads every quoting of it back differently; use the files store for this secret' },
  )
}

const OPEN_QUOTE = { hint: 'a line above it probably opens a quote it never closes; fix that line by hand' }

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
  quoteDotenvValue(key, value) // refuses a value that no quoting carries
  const entries = scan(src)
  const last = entries.filter((e) => e.key === key).at(-1)
  const eol = src.includes('\r\n') ? '\r\n' : '\n'
  const want = { ...toRecord(entries), [key]: value }
  for (const form of quotings(value)) {
    const rhs = form.replace(/\n/g, eol)
    const out = last
      ? // `KEY:` with no value needs its blank back
        `${src.slice(0, last.rhs[0]).replace(/:$/, ': ')}${rhs}${src.slice(last.rhs[1])}`
      : `${src}${src === '' || /[\r\n]$/.test(src) ? '' : eol}${key}=${rhs}${eol}`
    if (sameRecord(toRecord(scan(out)), want)) return out
  }
  const why = `${key} cannot be written to this .env file without changing how its other lines are read`
  throw new HushError('HUSH_E_DOTENV_UNREPRESENTABLE', why, OPEN_QUOTE)
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
    throw new HushError(
      'HUSH_E_STORE_CORRUPT',
      `removing ${key} would change how the other lines of the .env file are read`,
      OPEN_QUOTE,
    )
  return out
}
