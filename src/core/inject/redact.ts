/**
 * A streaming redactor for `hush run --redact`: masks every secret value and
 * its base64, base64url, URL-encoded, hex and JSON-escaped forms, also when a
 * value arrives split across writes. Works on bytes (as latin1 text), so
 * multi-byte characters split across chunks are handled too.
 */

/** Values shorter than this are not redacted: masking them would shred normal output. */
export const MIN_REDACT_LENGTH = 4

export function encodingsOf(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  const b64 = bytes.toString('base64')
  return [
    value,
    b64,
    b64.replace(/=+$/, ''),
    bytes.toString('base64url'),
    encodeURIComponent(value),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    JSON.stringify(value).slice(1, -1),
  ]
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1')

export class Redactor {
  private readonly pattern: RegExp | undefined
  private readonly nameOf = new Map<string, string>()
  private readonly patterns: string[]
  private carry = ''
  /** names of values too short to redact safely */
  readonly skipped: string[] = []

  constructor(secrets: readonly { readonly name: string; readonly value: string }[]) {
    for (const { name, value } of secrets) {
      if (value.length < MIN_REDACT_LENGTH) {
        this.skipped.push(name)
        continue
      }
      for (const form of encodingsOf(value))
        if (form.length >= MIN_REDACT_LENGTH) this.nameOf.set(latin1(form), name)
    }
    // longest first, so a value wins over a shorter value it contains
    this.patterns = [...this.nameOf.keys()].sort((a, b) => b.length - a.length)
    this.pattern =
      this.patterns.length > 0 ? new RegExp(this.patterns.map(escapeRegExp).join('|'), 'g') : undefined
  }

  private replace(text: string): string {
    return this.pattern ? text.replace(this.pattern, (m) => `[secret ${this.nameOf.get(m)}]`) : text
  }

  /** How many trailing characters could be the start of a secret, and must wait for the next chunk. */
  private holdLength(text: string): number {
    for (let k = Math.min(text.length, (this.patterns[0]?.length ?? 1) - 1); k > 0; k--) {
      const tail = text.slice(-k)
      if (this.patterns.some((p) => p.length > k && p.startsWith(tail))) return k
    }
    return 0
  }

  /** Feed a chunk; returns what can be written now. */
  push(chunk: Buffer): Buffer {
    const text = this.carry + chunk.toString('latin1')
    if (!this.pattern) return Buffer.from(text, 'latin1')
    let cut = text.length - this.holdLength(text)
    // a complete match that straddles the cut is emitted whole, never in part
    for (const m of text.matchAll(this.pattern))
      if (m.index < cut && m.index + m[0].length > cut) cut = m.index + m[0].length
    this.carry = text.slice(cut)
    return Buffer.from(this.replace(text.slice(0, cut)), 'latin1')
  }

  /** Flush what is held back at the end of the stream. */
  end(): Buffer {
    const out = this.replace(this.carry)
    this.carry = ''
    return Buffer.from(out, 'latin1')
  }
}
