/**
 * The forms a secret value takes when it leaks, in one list: `hush scan` looks
 * for them and `hush run --redact` masks them.
 *
 * - raw;
 * - base64 and base64url at each of the three byte alignments, so a value
 *   inside a longer encoded blob (`Basic base64(user:password)`) is found too:
 *   the form is the run of characters the value's bytes alone determine, and
 *   `before` / `after` describe the partial characters either side that mix the
 *   value's bits with its neighbours' (the redactor masks those as well);
 * - percent-encoded, with upper- and lower-case escapes (`%2F`, `%2f`), as
 *   `encodeURIComponent` and as form data (`+` for a space) write it;
 * - hex, in either case;
 * - JSON-escaped the way common encoders write a string: minimal
 *   (`JSON.stringify`), non-ASCII as `\uXXXX` (Python), that plus `\/` (PHP),
 *   `<>&` as `\u003c` (Go), .NET's set in upper case, and every character as
 *   `\uXXXX` — each with lower- and upper-case hex digits.
 *
 * Which forms are too short to use is the caller's decision.
 */

/** The kind of a form; scan findings report it (and a baseline id hashes it), so the names are stable. */
export type Encoding = 'raw' | 'base64' | 'base64url' | 'url' | 'hex' | 'json'

/** A base64 character (by its index in the alphabet) carries the value's bits when `(index & mask) === bits`. */
export interface PartialChar {
  readonly mask: number
  readonly bits: number
}

export interface ValueForm {
  readonly encoding: Encoding
  readonly text: string
  /** letters match in either case (hex digits) */
  readonly foldCase: boolean
  /** base64 forms: the character before `text` that holds the value's first bits */
  readonly before?: PartialChar
  /** base64 forms: the character after `text` that holds its last bits, then `padding` `=` at the blob's end */
  readonly after?: PartialChar & { readonly padding: number }
}

export const BASE64_ALPHABET = {
  base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
} as const

/** The value's bytes starting `shift` bytes into a 3-byte group: the characters they alone determine, and the partial ones. */
function base64At(bytes: Buffer, shift: 0 | 1 | 2, encoding: 'base64' | 'base64url'): ValueForm {
  const padded = Buffer.concat([Buffer.alloc(shift), bytes, Buffer.alloc(2)])
  const text = padded
    .toString(encoding)
    .slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6))
  const first = bytes[0] ?? 0
  const last = bytes.at(-1) ?? 0
  const end = (shift + bytes.length) % 3
  // shift 1: the 2nd character of the group holds the first byte's top 4 bits in its low 4; shift 2: top 2 in low 2
  const before =
    shift === 1
      ? { mask: 0x0f, bits: first >> 4 }
      : shift === 2
        ? { mask: 0x03, bits: first >> 6 }
        : undefined
  // the value ends 1 byte into a group: its low 2 bits are the next character's top 2; 2 bytes in: low 4 bits
  const after =
    end === 1
      ? { mask: 0x30, bits: (last & 0x03) << 4, padding: 2 }
      : end === 2
        ? { mask: 0x3c, bits: (last & 0x0f) << 2, padding: 1 }
        : undefined
  return { encoding, text, foldCase: false, ...(before ? { before } : {}), ...(after ? { after } : {}) }
}

const isNonAscii = (c: string) => c.codePointAt(0)! > 0x7f
const among = (set: string) => (c: string) => set.includes(c)

/** Which characters an encoder writes as `\uXXXX` (beyond JSON's required escapes), and whether it writes `/` as `\/`. */
const JSON_STYLES: readonly { readonly escape: (c: string) => boolean; readonly slash?: boolean }[] = [
  { escape: () => false }, // JSON.stringify, Jackson, Go with SetEscapeHTML(false)
  { escape: isNonAscii }, // Python json.dumps
  { escape: isNonAscii, slash: true }, // PHP json_encode
  { escape: among('<>&\u2028\u2029') }, // Go encoding/json
  { escape: (c) => isNonAscii(c) || among('"&\'+<>`')(c) }, // .NET System.Text.Json
  { escape: () => true }, // every character
]

/** JSON's required escapes, besides `\uXXXX` for the other control characters. */
const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
}

function jsonEscaped(value: string, style: (typeof JSON_STYLES)[number], upper: boolean): string {
  const unicode = (c: string) => {
    let out = ''
    for (let i = 0; i < c.length; i++) {
      const digits = c.charCodeAt(i).toString(16).padStart(4, '0')
      out += `\\u${upper ? digits.toUpperCase() : digits}`
    }
    return out
  }
  let out = ''
  for (const c of value) {
    if (style.escape(c)) out += unicode(c)
    else if (style.slash && c === '/') out += '\\/'
    else out += SHORT_ESCAPES[c] ?? (c.charCodeAt(0) < 0x20 ? unicode(c) : c)
  }
  return out
}

const PERCENT_ESCAPE = /%[0-9A-F]{2}/g

/** Every form of `value`, without duplicates (a value with nothing to escape has one text for several forms). */
export function valueForms(value: string): ValueForm[] {
  const bytes = Buffer.from(value, 'utf8')
  const forms: ValueForm[] = []
  const seen = new Set<string>()
  const add = (form: ValueForm) => {
    const key = form.foldCase ? form.text.toLowerCase() : form.text
    if (form.text === '' || seen.has(key)) return
    seen.add(key)
    forms.push(form)
  }
  const plain = (encoding: Encoding, text: string) => add({ encoding, text, foldCase: false })
  plain('raw', value)
  for (const shift of [0, 1, 2] as const) {
    add(base64At(bytes, shift, 'base64'))
    add(base64At(bytes, shift, 'base64url'))
  }
  const formData = new URLSearchParams([['', value]]).toString().slice(1)
  for (const url of [encodeURIComponent(value), formData]) {
    plain('url', url)
    plain(
      'url',
      url.replace(PERCENT_ESCAPE, (m) => m.toLowerCase()),
    )
  }
  add({ encoding: 'hex', text: bytes.toString('hex'), foldCase: true })
  for (const style of JSON_STYLES)
    for (const upper of [false, true]) plain('json', jsonEscaped(value, style, upper))
  return forms
}
