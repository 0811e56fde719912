/**
 * The scan engine: one automaton pass over a buffer finds keyword hits and
 * known values; each rule's regex then runs only over the merged windows
 * around its keyword hits. Findings carry offsets and the matched text; the
 * text never leaves the scan layer except as a hash.
 */
import { createHash } from 'node:crypto'
import { HushError } from '../../lib/errors.js'
import { compileLinearRegex } from '../../lib/linear-regex.js'
import { type CompiledAutomaton, compileAutomaton, runAutomaton } from './automaton.js'
import type { Encoding, KnownPattern } from './known.js'
import { accept, BUILTIN_RULES, type RuleSpec } from './rules.js'

/** What a scanner is built from: plain data, so a worker thread can rebuild it. */
export interface ScannerSpec {
  readonly rules: readonly RuleSpec[]
  readonly known: readonly KnownPattern[]
}

export interface RawFinding {
  readonly rule: string
  readonly start: number
  readonly end: number
  /** sha256 of the matched secret (for baselines and de-duplication), never the secret */
  readonly hash: string
  /** known-value findings: the secret's name, fingerprint and the encoding found */
  readonly secret?: string
  readonly fingerprint?: string
  readonly encoding?: Encoding
  /** the first characters of a rule match that identify its kind (`ghp_`, `AKIA`), never more */
  readonly prefix?: string
}

type Target =
  | { kind: 'keyword'; rules: number[]; length: number }
  | { kind: 'known'; pattern: KnownPattern; bytes: Buffer }

export interface Scanner {
  /** compiled on first use: a small scan (a pre-commit hook) searches its few KB directly instead */
  readonly automaton: () => CompiledAutomaton
  readonly targets: readonly Target[]
  /** each target's bytes, lower-cased (the direct search folds case like the automaton) */
  readonly folded: readonly Buffer[]
  readonly rules: readonly { spec: RuleSpec; spans: Matcher }[]
  /** search directly (no automaton) when the whole scan is this small */
  readonly small: boolean
}

/** Below this many bytes in all, searching each pattern directly beats compiling the automaton. */
export const SMALL_SCAN_BYTES = 256 * 1024

/** A rule's matches in a window: [start, end) of the secret (its first group that took part, else the match). */
type Matcher = (text: string) => Iterable<[number, number]>

/** hush's own regexes, written and fuzzed for linear time on V8 (they use lookahead, which RE2 lacks). */
const BUILTIN_SOURCES = new Set(BUILTIN_RULES.map((r) => r.regex))

function backtrackingMatcher(rule: RuleSpec): Matcher {
  const regex = new RegExp(rule.regex, rule.caseInsensitive ? 'dgim' : 'dgm')
  return function* (text) {
    regex.lastIndex = 0
    for (let m = regex.exec(text); m; m = regex.exec(text)) {
      if (m[0].length === 0) regex.lastIndex++
      yield m.indices!.find((span, i) => i > 0 && span !== undefined) ?? m.indices![0]!
    }
  }
}

/** Any regex hush did not write (hush.yaml scan.rules, a library caller's) runs on RE2: linear whatever it is. */
function matcherOf(rule: RuleSpec): Matcher {
  if (BUILTIN_SOURCES.has(rule.regex)) return backtrackingMatcher(rule)
  const compiled = compileLinearRegex(rule.regex, {
    caseInsensitive: rule.caseInsensitive === true,
    multiline: true,
  })
  if (!compiled.ok)
    throw new HushError('HUSH_E_USAGE', `scan rule ${rule.id}: the regex ${compiled.problem}`, {
      hint: 'rewrite it in RE2 syntax (no backreferences or lookahead); see docs/scanning.md',
    })
  return (text) => compiled.regex.spans(text)
}

export function buildScanner(spec: ScannerSpec, options: { small?: boolean } = {}): Scanner {
  const rules = spec.rules.map((r) => ({ spec: r, spans: matcherOf(r) }))
  const keywordRules = new Map<string, number[]>()
  rules.forEach((r, i) => {
    for (const k of r.spec.keywords)
      keywordRules.set(k.toLowerCase(), [...(keywordRules.get(k.toLowerCase()) ?? []), i])
  })
  const targets: Target[] = []
  const patterns: Buffer[] = []
  for (const [keyword, ids] of keywordRules) {
    targets.push({ kind: 'keyword', rules: ids, length: Buffer.byteLength(keyword) })
    patterns.push(Buffer.from(keyword, 'utf8'))
  }
  for (const pattern of spec.known) {
    const bytes = Buffer.from(pattern.text, 'utf8')
    targets.push({ kind: 'known', pattern, bytes })
    patterns.push(bytes)
  }
  let compiled: CompiledAutomaton | undefined
  return {
    automaton: () => {
      compiled ??= compileAutomaton(patterns)
      return compiled
    },
    targets,
    folded: patterns.map(foldAscii),
    rules,
    small: options.small === true,
  }
}

function foldAscii(buf: Buffer): Buffer {
  const out = Buffer.from(buf)
  for (let i = 0; i < out.length; i++) if (out[i]! >= 0x41 && out[i]! <= 0x5a) out[i]! += 32
  return out
}

/** The automaton's hits, found by searching for each pattern: same hits, in the same (end) order. */
function directHits(scanner: Scanner, buf: Buffer, hit: (pattern: number, end: number) => void): void {
  const lower = foldAscii(buf)
  const hits: number[][] = []
  scanner.folded.forEach((needle, id) => {
    for (let i = lower.indexOf(needle); i !== -1; i = lower.indexOf(needle, i + 1))
      hits.push([id, i + needle.length])
  })
  hits.sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!)
  for (const [id, end] of hits) hit(id!, end!)
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex')

function sameBytes(buf: Buffer, start: number, want: Buffer, foldCase: boolean): boolean {
  if (start < 0) return false
  if (!foldCase) return buf.compare(want, 0, want.length, start, start + want.length) === 0
  for (let i = 0; i < want.length; i++) if ((buf[start + i]! | 0x20) !== (want[i]! | 0x20)) return false
  return true
}

/** Every finding in one buffer (a file, a blob, the added lines of a diff). */
export function scanBuffer(scanner: Scanner, buf: Buffer): RawFinding[] {
  const findings: RawFinding[] = []
  // per rule: merged [from, to) windows around its keyword hits
  const windows: [number, number][][] = scanner.rules.map(() => [])
  const search = scanner.small
    ? (h: (id: number, end: number) => void) => directHits(scanner, buf, h)
    : (h: (id: number, end: number) => void) => runAutomaton(scanner.automaton(), buf, h)
  search((id, end) => {
    const target = scanner.targets[id]!
    if (target.kind === 'keyword') {
      for (const r of target.rules) {
        const spec = scanner.rules[r]!.spec
        const from = Math.max(0, end - target.length - (spec.before ?? 32))
        const to = Math.min(buf.length, end + (spec.after ?? 256))
        const list = windows[r]!
        const last = list.at(-1)
        if (last && from <= last[1]) last[1] = Math.max(last[1], to)
        else list.push([from, to])
      }
      return
    }
    const { pattern, bytes } = target
    const start = end - bytes.length
    if (!sameBytes(buf, start, bytes, pattern.foldCase)) return
    findings.push({
      rule: 'known-value',
      start,
      end,
      hash: sha256(`${pattern.fingerprint}:${pattern.encoding}`),
      secret: pattern.name,
      fingerprint: pattern.fingerprint,
      encoding: pattern.encoding,
    })
  })
  const seen = new Set<string>()
  scanner.rules.forEach(({ spec, spans }, r) => {
    for (const [from, to] of windows[r]!) {
      const text = buf.toString('latin1', from, to)
      for (const [s, e] of spans(text)) {
        const secret = text.slice(s, e)
        const key = `${spec.id}:${from + s}`
        if (seen.has(key) || !accept(spec, secret)) continue
        seen.add(key)
        findings.push({
          rule: spec.id,
          start: from + s,
          end: from + e,
          hash: sha256(`${spec.id}:${secret}`),
          prefix: prefixOf(spec, secret),
        })
      }
    }
  })
  return findings
}

/** The keyword a match starts with (`ghp_`, `AKIA`, `-----BEGIN`), so reports say what kind it is; generic matches show nothing. */
function prefixOf(spec: RuleSpec, secret: string): string | undefined {
  if (spec.generic) return undefined
  const lower = secret.toLowerCase()
  const keyword = spec.keywords.find((k) => lower.startsWith(k))
  return keyword ? secret.slice(0, keyword.length) : undefined
}
