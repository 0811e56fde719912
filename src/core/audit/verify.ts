/**
 * `hush audit verify`: every entry's MAC under the user's audit key, the chain from each entry to the
 * one before it, and the log's end against the anchor kept outside the project. Pure: it reads nothing.
 */
import type { Anchor } from './anchor.js'
import {
  type AuditEntry,
  GENESIS,
  isKeyed,
  legacyHashMatches,
  linkOf,
  macMatches,
  parseEntry,
} from './entry.js'
import type { AuditKey } from './key.js'

export interface AuditProblem {
  /** 1-based line of the log; 0 for the log as a whole (its anchor, its key) */
  readonly line: number
  readonly problem: string
}

export interface AuditReport {
  readonly entries: number
  /** leading entries written before keyed audit: their hash chain is checked, not who wrote them */
  readonly legacy: number
  readonly problems: AuditProblem[]
  readonly notes: string[]
}

export interface VerifyInput {
  readonly text: string
  readonly key: AuditKey | undefined
  /** where the key would be, for messages */
  readonly keySource: string
  readonly anchor: Anchor | undefined
  readonly anchorFile: string
}

function splitLines(text: string): { lines: string[]; unfinished: boolean } {
  const lines = text.split('\n')
  const last = lines.pop()
  return { lines, unfinished: last !== undefined && last !== '' }
}

export function verifyLog({ text, key, keySource, anchor, anchorFile }: VerifyInput): AuditReport {
  const { lines, unfinished } = splitLines(text)
  const problems: AuditProblem[] = []
  const notes: string[] = []
  const otherKeys = new Set<string>()
  let prev = GENESIS
  let keyed = 0
  let legacy = 0
  lines.forEach((line, i) => {
    const n = i + 1
    const entry = parseEntry(line)
    if (!entry) {
      problems.push({ line: n, problem: 'not an audit entry (not JSON, or fields missing: edited or torn)' })
      return
    }
    if (isKeyed(entry)) {
      keyed++
      if (!key) {
        if (keyed === 1)
          problems.push({ line: n, problem: `carries a MAC but there is no audit key (${keySource})` })
      } else if (entry.kid !== key.kid) {
        if (!otherKeys.has(entry.kid!))
          problems.push({
            line: n,
            problem: `written with another audit key (${entry.kid}; this key is ${key.kid}): forged, or another user's log`,
          })
        otherKeys.add(entry.kid!)
      } else if (!macMatches(key.bytes, entry))
        problems.push({ line: n, problem: 'content does not match its MAC (edited or forged)' })
    } else {
      if (keyed > 0)
        problems.push({ line: n, problem: 'an unkeyed entry after keyed ones (written without the key)' })
      else legacy++
      if (!legacyHashMatches(entry))
        problems.push({ line: n, problem: 'content does not match its hash (edited)' })
    }
    chainProblems(entry, n, prev, problems)
    prev = linkOf(entry)
  })
  if (anchor) anchorProblems(anchor, lines, key, problems)
  else if (keyed > 0)
    notes.push(
      `no anchor in ${anchorFile} (the project moved, or the anchor was deleted): lines cut from the end before now cannot be detected; the next change anchors the log again`,
    )
  if (legacy > 0)
    notes.push(
      `entries 1-${legacy} are unauthenticated legacy entries (written before keyed audit): anyone who could write .hush/ could have rewritten them${
        keyed > 0 ? `; entry ${legacy + 1} fixes them as they were when it was written` : ''
      }`,
    )
  if (unfinished)
    notes.push('the last line is unfinished (a crash while appending): the next change removes it')
  return { entries: lines.length, legacy, problems, notes }
}

function chainProblems(entry: AuditEntry, n: number, prev: string, problems: AuditProblem[]): void {
  if (entry.seq !== n)
    problems.push({
      line: n,
      problem: `sequence ${entry.seq} where ${n} was expected (deleted or reordered)`,
    })
  else if (entry.prev !== prev)
    problems.push({
      line: n,
      problem: 'does not chain to the line before it (deleted, inserted or reordered)',
    })
}

function anchorProblems(
  anchor: Anchor,
  lines: readonly string[],
  key: AuditKey | undefined,
  problems: AuditProblem[],
): void {
  if (key && anchor.kid !== key.kid)
    problems.push({ line: 0, problem: `the anchor was written with another audit key (${anchor.kid})` })
  if (lines.length === 0) {
    problems.push({
      line: 0,
      problem: `the log is missing or empty, but its anchor records ${anchor.seq} entries (deleted?)`,
    })
    return
  }
  if (lines.length < anchor.seq) {
    problems.push({
      line: lines.length,
      problem: `the log ends at entry ${lines.length} but its anchor records entry ${anchor.seq} (lines removed from the end?)`,
    })
    return
  }
  const at = parseEntry(lines[anchor.seq - 1]!)
  if (at?.seq !== anchor.seq || at.mac !== anchor.mac)
    problems.push({
      line: anchor.seq,
      problem: `entry ${anchor.seq} is not the one its anchor records (the log was rewritten)`,
    })
}
