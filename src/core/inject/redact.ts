/**
 * A streaming redactor for `hush run --redact`: masks every secret value in
 * each of the forms of {@link valueForms} (the list `hush scan` searches for),
 * also when a value arrives split across writes. A base64 form also takes the
 * partial characters either side that carry some of the value's bits, and the
 * `=` padding after it. Works on bytes with the scanner's automaton (one table
 * lookup per byte), so multi-byte characters split across chunks are handled
 * too, and holds back only the bytes that could still become a secret.
 */
import { BASE64_ALPHABET, type PartialChar, type ValueForm, valueForms } from '../../lib/value-encodings.js'
import { type CompiledAutomaton, compileAutomaton, runAutomaton } from '../scan/automaton.js'

/** Values shorter than this are not redacted: masking them would shred normal output. */
export const MIN_REDACT_LENGTH = 4

/** The texts the redactor masks for `value`: each form (hex in both cases). */
export function encodingsOf(value: string): string[] {
  return valueForms(value).flatMap((f) =>
    f.foldCase ? [f.text.toLowerCase(), f.text.toUpperCase()] : [f.text],
  )
}

/** Each byte's index in base64 or base64url, -1 for other bytes. */
const BASE64_INDEX = new Int8Array(256).fill(-1)
for (const alphabet of Object.values(BASE64_ALPHABET))
  for (let i = 0; i < alphabet.length; i++) BASE64_INDEX[alphabet.charCodeAt(i)] = i

const fits = (byte: number | undefined, partial: PartialChar) =>
  byte !== undefined && BASE64_INDEX[byte]! >= 0 && (BASE64_INDEX[byte]! & partial.mask) === partial.bits

interface Target {
  readonly name: string
  readonly bytes: Buffer
  readonly foldCase: boolean
  readonly before?: PartialChar
  readonly after?: ValueForm['after']
}

interface Match {
  start: number
  readonly end: number
  readonly name: string
  /** it ends at the end of the text, and more input could lengthen it (a base64 tail or its padding) */
  readonly open: boolean
}

function sameBytes(text: Buffer, start: number, want: Buffer, foldCase: boolean): boolean {
  if (!foldCase) return text.compare(want, 0, want.length, start, start + want.length) === 0
  for (let i = 0; i < want.length; i++) if ((text[start + i]! | 0x20) !== (want[i]! | 0x20)) return false
  return true
}

export class Redactor {
  private readonly targets: Target[] = []
  private readonly automaton: CompiledAutomaton | undefined
  /** bytes that are the partial first character of some base64 form */
  private readonly leads = new Uint8Array(256)
  private carry = Buffer.alloc(0)
  /** names of values too short to redact safely */
  readonly skipped: string[] = []

  constructor(secrets: readonly { readonly name: string; readonly value: string }[]) {
    const seen = new Set<string>()
    for (const { name, value } of secrets) {
      if (value.length < MIN_REDACT_LENGTH) {
        this.skipped.push(name)
        continue
      }
      for (const { text, foldCase, before, after } of valueForms(value)) {
        const key = foldCase ? text.toLowerCase() : text
        if (text.length < MIN_REDACT_LENGTH || seen.has(key)) continue
        seen.add(key)
        this.targets.push({ name, bytes: Buffer.from(text, 'utf8'), foldCase, before, after })
        if (before) for (let b = 0; b < 256; b++) if (fits(b, before)) this.leads[b] = 1
      }
    }
    if (this.targets.length > 0) this.automaton = compileAutomaton(this.targets.map((t) => t.bytes))
  }

  /**
   * The masked spans of `text`, left to right and not overlapping (a value found inside another's span
   * is masked from where that span ends), and how many trailing bytes could still begin one.
   */
  private scan(text: Buffer): { matches: Match[]; pending: number } {
    const found: { start: number; end: number; target: Target }[] = []
    const pending = runAutomaton(this.automaton!, text, (id, end) => {
      const target = this.targets[id]!
      const start = end - target.bytes.length
      if (sameBytes(text, start, target.bytes, target.foldCase)) found.push({ start, end, target })
    })
    // leftmost first, and the longest of those starting together
    found.sort((a, b) => a.start - b.start || b.end - a.end)
    const matches: Match[] = []
    for (const { start, end: coreEnd, target } of found) {
      const floor = matches.at(-1)?.end ?? 0
      if (coreEnd <= floor) continue
      const { before, after } = target
      let end = coreEnd
      let open = false
      if (after) {
        if (end === text.length) open = true
        else if (fits(text[end], after)) {
          end++
          let padding = 0
          while (padding < after.padding && text[end] === 0x3d /* = */) {
            end++
            padding++
          }
          open = end === text.length && padding < after.padding
        }
      }
      const lead = before && start > floor && fits(text[start - 1], before) ? start - 1 : start
      matches.push({ start: Math.max(lead, floor), end, name: target.name, open })
    }
    // a base64 form that begins in the next chunk may take the byte before it
    const before = text.length - pending - 1
    return { matches, pending: before >= 0 && this.leads[text[before]!] ? pending + 1 : pending }
  }

  private render(text: Buffer, matches: readonly Match[]): Buffer {
    const parts: Buffer[] = []
    let at = 0
    for (const m of matches) {
      parts.push(text.subarray(at, m.start), Buffer.from(`[secret ${m.name}]`))
      at = m.end
    }
    parts.push(text.subarray(at))
    return Buffer.concat(parts)
  }

  /** Feed a chunk; returns what can be written now. */
  push(chunk: Buffer): Buffer {
    if (!this.automaton) return chunk
    const text = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk
    const { matches, pending } = this.scan(text)
    let cut = text.length - pending
    const done: Match[] = []
    for (const m of matches) {
      if (m.open || m.start >= cut) {
        cut = Math.min(cut, m.start)
        break
      }
      // a complete match that straddles the cut is emitted whole, never in part
      cut = Math.max(cut, m.end)
      done.push(m)
    }
    this.carry = Buffer.from(text.subarray(cut))
    return this.render(text.subarray(0, cut), done)
  }

  /** Flush what is held back at the end of the stream. */
  end(): Buffer {
    const text = this.carry
    this.carry = Buffer.alloc(0)
    return this.automaton ? this.render(text, this.scan(text).matches) : text
  }
}
