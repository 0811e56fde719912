/**
 * The hash-chained audit log `.hush/audit.jsonl`. Each line records who did
 * what to which secret, with the value's fingerprint — never the value — and
 * the hash of the line before it; `.hush/audit.head` remembers the last hash so
 * that a truncated tail is detected too.
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { HushError } from '../../lib/errors.js'
import { appendDurable, ensurePrivateDir, readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'
import { acquireLock } from '../../lib/lock.js'

export type AuditAction = 'gen' | 'set' | 'reveal' | 'rotate' | 'push' | 'remove'

export interface AuditEvent {
  readonly action: AuditAction
  readonly secret: string
  readonly env?: string
  /** fingerprint of the value after the action */
  readonly fp?: string
  /** a short word about what happened: create, regenerate, derive, update */
  readonly detail?: string
}

export interface AuditEntry extends AuditEvent {
  readonly seq: number
  readonly ts: string
  readonly actor: string
  readonly prev: string
  readonly hash: string
}

const GENESIS = '0'.repeat(64)

interface Head {
  seq: number
  hash: string
  /** bytes of the log up to and including the last acknowledged line */
  size: number
}

function hashOf(entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(JSON.stringify(entry)).digest('hex')
}

export class AuditLog {
  readonly path: string
  private readonly headPath: string

  constructor(readonly stateDir: string) {
    this.path = join(stateDir, 'audit.jsonl')
    this.headPath = join(stateDir, 'audit.head')
  }

  /**
   * The chain's tail. The head file is written after each append; a crash
   * between the two leaves complete lines past the head (adopted) or a torn
   * last line (cut off, it was never acknowledged).
   */
  private async tail(): Promise<Head> {
    const text = (await readIfExists(this.path)) ?? ''
    const headText = await readIfExists(this.headPath)
    const head: Head = headText ? (JSON.parse(headText) as Head) : { seq: 0, hash: GENESIS, size: 0 }
    const bytes = Buffer.byteLength(text)
    // shorter than acknowledged: lines were removed; chaining on from the head keeps the gap visible to verify
    if (bytes <= head.size) return head
    const complete = text.slice(0, text.lastIndexOf('\n') + 1)
    if (Buffer.byteLength(complete) !== bytes) await fs.truncate(this.path, Buffer.byteLength(complete))
    const last = complete.split('\n').filter(Boolean).at(-1)
    if (!last) return { seq: 0, hash: GENESIS, size: 0 }
    const entry = JSON.parse(last) as AuditEntry
    return { seq: entry.seq, hash: entry.hash, size: Buffer.byteLength(complete) }
  }

  /** Append events as one durable write. */
  async append(events: readonly AuditEvent[], actor: string, at: string): Promise<void> {
    if (events.length === 0) return
    await ensurePrivateDir(this.stateDir)
    const release = await acquireLock(`${this.path}.lock`)
    try {
      let { seq, hash, size } = await this.tail()
      const lines = events
        .map((event) => {
          const body = { seq: ++seq, ts: at, actor, ...event, prev: hash }
          hash = hashOf(body)
          return `${JSON.stringify({ ...body, hash })}\n`
        })
        .join('')
      await appendDurable(this.path, lines)
      size += Buffer.byteLength(lines)
      await writeFileAtomic(this.headPath, JSON.stringify({ seq, hash, size }))
    } finally {
      await release()
    }
  }

  /** Parsed entries; lines that do not parse are skipped here and reported by verify. */
  async entries(): Promise<AuditEntry[]> {
    const text = (await readIfExists(this.path)) ?? ''
    return text
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as AuditEntry]
        } catch {
          return []
        }
      })
  }

  /** Check the chain; every problem names its line. */
  async verify(): Promise<{ entries: number; problems: { line: number; problem: string }[] }> {
    const text = (await readIfExists(this.path)) ?? ''
    const lines = text.split('\n')
    if (lines.at(-1) === '') lines.pop()
    const problems: { line: number; problem: string }[] = []
    let prev = GENESIS
    lines.forEach((line, i) => {
      const n = i + 1
      let entry: AuditEntry
      try {
        entry = JSON.parse(line) as AuditEntry
      } catch {
        problems.push({ line: n, problem: 'not valid JSON (edited or torn)' })
        return
      }
      const { hash, ...body } = entry
      if (hashOf(body) !== hash)
        problems.push({ line: n, problem: 'content does not match its hash (edited)' })
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
      prev = hash
    })
    const headText = await readIfExists(this.headPath)
    if (headText) {
      // more lines than the head records is a crash between append and head update; fewer is truncation
      const head = JSON.parse(headText) as Head
      const atHead = lines[head.seq - 1]
      if (head.seq > lines.length || (head.seq > 0 && !atHead?.includes(`"hash":"${head.hash}"`)))
        problems.push({
          line: lines.length,
          problem: `the log ends at entry ${lines.length} but the head records entry ${head.seq} (lines removed from the end?)`,
        })
    } else if (lines.length > 0) problems.push({ line: 0, problem: 'audit.head is missing (deleted?)' })
    return { entries: lines.length, problems }
  }
}

export function auditBroken(problems: number): HushError {
  return new HushError('HUSH_E_AUDIT_BROKEN', `the audit log does not verify: ${problems} problem(s)`, {
    hint: 'the log was edited, truncated or reordered; compare it with a backup',
  })
}
