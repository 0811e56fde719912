/**
 * Where the next audit entry goes, checked before anything is appended (and so before the change it
 * records): a log whose end does not match its anchor, or whose last line is not an entry written with
 * this user's audit key, refuses the append with HUSH_E_AUDIT_BROKEN.
 */
import { HushError } from '../../lib/errors.js'
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
import { AUDIT_KEY_VAR, type AuditKey } from './key.js'

/** Where the next entry goes: after `seq`, chained to `link`, at byte `size` (an unfinished tail is cut). */
export interface Tail {
  readonly seq: number
  readonly link: string
  readonly size: number
  readonly unfinished: boolean
}

export interface TailInput {
  readonly bytes: Buffer
  readonly anchor: Anchor | undefined
  readonly key: AuditKey | undefined
  /** the log, the anchor and the key file, for messages */
  readonly path: string
  readonly anchorFile: string
  readonly keyFile: string
}

function cannotAppend(path: string, why: string, anchor?: string): HushError {
  return new HushError(
    'HUSH_E_AUDIT_BROKEN',
    `cannot append to the audit log ${path}: ${why}; nothing was changed`,
    {
      hint: `run \`hush audit verify\` for every problem; restore the log from a backup, or start a new chain deliberately: move the log aside${
        anchor ? ` and delete ${anchor}` : ''
      }`,
    },
  )
}

/**
 * Where the next entry chains. With an anchor, the anchored entry must be where the anchor says and
 * any complete line after it (a crash between append and anchor) must carry a valid MAC. Without one,
 * the last line is adopted when its MAC is valid, or when it is a legacy entry. An unfinished last
 * line past the anchor is a torn append: it was never acknowledged, and is cut.
 */
export function tailOf({ bytes, anchor, key, path, anchorFile: file, keyFile }: TailInput): Tail {
  const completeSize = bytes.lastIndexOf(0x0a) + 1
  const unfinished = completeSize !== bytes.length
  const complete = bytes.subarray(0, completeSize)
  const linesOf = (b: Buffer) => b.toString('utf8').split('\n').filter(Boolean)
  if (anchor) {
    if (!key)
      throw cannotAppend(
        path,
        `it is anchored but there is no audit key (${AUDIT_KEY_VAR} or ${keyFile})`,
        file,
      )
    if (anchor.kid !== key.kid)
      throw cannotAppend(path, `it was written with another audit key (${anchor.kid})`, file)
    if (completeSize < anchor.size)
      throw cannotAppend(
        path,
        completeSize === 0 ? 'it was deleted or emptied' : 'lines were removed from its end',
        file,
      )
    // the anchored line ends exactly at anchor.size
    const lineStart = complete.lastIndexOf(0x0a, Math.max(0, anchor.size - 2)) + 1
    const at =
      complete[anchor.size - 1] === 0x0a
        ? parseEntry(complete.subarray(lineStart, anchor.size - 1).toString('utf8'))
        : undefined
    if (at?.seq !== anchor.seq || at.mac !== anchor.mac || !macMatches(key.bytes, at))
      throw cannotAppend(
        path,
        `entry ${anchor.seq} is not the one its anchor records (the log was rewritten)`,
        file,
      )
    let last: AuditEntry = at
    for (const line of linesOf(complete.subarray(anchor.size))) {
      const entry = parseEntry(line)
      const after = `the line after entry ${last.seq}`
      if (!entry) throw cannotAppend(path, `${after} is not an audit entry (edited or corrupted)`, file)
      if (!entry.mac || entry.kid !== key.kid || !macMatches(key.bytes, entry))
        throw cannotAppend(path, `${after} was not written with this audit key (forged or edited)`, file)
      if (entry.seq !== last.seq + 1 || entry.prev !== linkOf(last))
        throw cannotAppend(path, `${after} does not chain to it`, file)
      last = entry
    }
    return { seq: last.seq, link: linkOf(last), size: completeSize, unfinished }
  }
  const lastLine = linesOf(complete).at(-1)
  if (lastLine === undefined) return { seq: 0, link: GENESIS, size: completeSize, unfinished }
  const last = parseEntry(lastLine)
  if (!last) throw cannotAppend(path, 'its last line is not an audit entry (edited or corrupted)')
  if (isKeyed(last)) {
    if (!key)
      throw cannotAppend(
        path,
        `it has keyed entries but there is no audit key (${AUDIT_KEY_VAR} or ${keyFile})`,
      )
    if (last.kid !== key.kid || !macMatches(key.bytes, last))
      throw cannotAppend(
        path,
        'its last entry was not written with this audit key (forged, or another user’s log)',
      )
  } else if (!legacyHashMatches(last))
    throw cannotAppend(path, 'its last entry does not match its hash (edited)')
  return { seq: last.seq, link: linkOf(last), size: completeSize, unfinished }
}
