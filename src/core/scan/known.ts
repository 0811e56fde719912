/**
 * Known-value mode: the project's own secret values in every form they leak
 * in — raw, base64 and base64url (at each of the three byte alignments, so a
 * value inside a longer encoded blob such as `user:password` is found too),
 * URL-encoded, hex and JSON-escaped. Values under 8 characters are skipped.
 */

export const MIN_KNOWN_LENGTH = 8

export type Encoding = 'raw' | 'base64' | 'base64url' | 'url' | 'hex' | 'json'

export interface KnownValue {
  /** the secret's store entry name */
  readonly name: string
  /** its fingerprint (never the value) for reports */
  readonly fingerprint: string
  readonly value: string
}

export interface KnownPattern {
  readonly name: string
  readonly fingerprint: string
  readonly encoding: Encoding
  readonly text: string
  /** hex matches in either case */
  readonly foldCase: boolean
}

/** The base64 characters determined by the value's bytes alone when it starts `shift` bytes into a 3-byte group. */
function base64At(bytes: Buffer, shift: number, alphabet: 'base64' | 'base64url'): string {
  const padded = Buffer.concat([Buffer.alloc(shift), bytes, Buffer.alloc(2)])
  const text = padded.toString(alphabet)
  const from = Math.ceil((8 * shift) / 6)
  const to = Math.floor((8 * (shift + bytes.length)) / 6)
  return text.slice(from, to)
}

export function knownPatterns(values: readonly KnownValue[]): KnownPattern[] {
  const out: KnownPattern[] = []
  const seen = new Set<string>()
  for (const { name, fingerprint, value } of values) {
    if (value.length < MIN_KNOWN_LENGTH) continue
    const bytes = Buffer.from(value, 'utf8')
    const add = (encoding: Encoding, text: string, foldCase = false) => {
      const key = `${foldCase ? text.toLowerCase() : text}`
      if (text.length < MIN_KNOWN_LENGTH || seen.has(key)) return
      seen.add(key)
      out.push({ name, fingerprint, encoding, text, foldCase })
    }
    add('raw', value)
    for (const shift of [0, 1, 2]) {
      add('base64', base64At(bytes, shift, 'base64'))
      add('base64url', base64At(bytes, shift, 'base64url'))
    }
    add('url', encodeURIComponent(value))
    add('hex', bytes.toString('hex'), true)
    add('json', JSON.stringify(value).slice(1, -1))
  }
  return out
}
