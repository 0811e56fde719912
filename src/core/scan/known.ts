/**
 * Known-value mode: the project's own secret values in every form they leak
 * in — the one list of {@link valueForms} that `hush run --redact` masks too
 * (raw; base64 and base64url at each of the three byte alignments, so a value
 * inside a longer encoded blob such as `user:password` is found; percent-
 * encoded with either case of escapes; hex; JSON-escaped, `\uXXXX` included).
 * Values under 8 characters are skipped.
 */
import { type Encoding, valueForms } from '../../lib/value-encodings.js'

export type { Encoding } from '../../lib/value-encodings.js'

export const MIN_KNOWN_LENGTH = 8

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

export function knownPatterns(values: readonly KnownValue[]): KnownPattern[] {
  const out: KnownPattern[] = []
  const seen = new Set<string>()
  for (const { name, fingerprint, value } of values) {
    if (value.length < MIN_KNOWN_LENGTH) continue
    for (const { encoding, text, foldCase } of valueForms(value)) {
      const key = foldCase ? text.toLowerCase() : text
      if (text.length < MIN_KNOWN_LENGTH || seen.has(key)) continue
      seen.add(key)
      out.push({ name, fingerprint, encoding, text, foldCase })
    }
  }
  return out
}
