/**
 * The audit log `.hush/audit.jsonl`. Each line records who did what to which secret, with the value's
 * fingerprint — never the value — chained to the line before it and authenticated with the user's audit
 * key (see key.ts); the log's end is anchored outside the project (see anchor.ts). An entry is written
 * and fsynced before the change it records, and a change whose entry cannot be appended does not happen.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { HushError, ioError } from '../../lib/errors.js'
import { appendDurable, ensurePrivateDir, readIfExists } from '../../lib/fs-safe.js'
import { acquireLock } from '../../lib/lock.js'
import { anchorFile, anchorRoot, readAnchor, writeAnchor } from './anchor.js'
import { type AuditEntry, type AuditEvent, macOf, parseEntry } from './entry.js'
import { AUDIT_KEY_VAR, auditKeyFile, auditKeyFor, readAuditKey } from './key.js'
import { tailOf } from './tail.js'
import { type AuditReport, verifyLog } from './verify.js'

export type { AuditAction, AuditEntry, AuditEvent } from './entry.js'
export type { AuditProblem, AuditReport } from './verify.js'

type Env = Readonly<Record<string, string | undefined>>

export class AuditLog {
  readonly path: string

  constructor(
    readonly stateDir: string,
    private readonly env: Env,
  ) {
    this.path = join(stateDir, 'audit.jsonl')
  }

  private async anchorFile(): Promise<{ file: string; root: string }> {
    const root = await anchorRoot(join(this.stateDir, '..'))
    return { file: anchorFile(this.env, root), root }
  }

  /** Append events as one durable write, anchored; refused (HUSH_E_AUDIT_BROKEN) when the log's end is not sound. */
  async append(events: readonly AuditEvent[], actor: string, at: string): Promise<void> {
    if (events.length === 0) return
    await ensurePrivateDir(this.stateDir)
    const release = await acquireLock(`${this.path}.lock`)
    try {
      const bytes = await readBytes(this.path)
      const { file, root } = await this.anchorFile()
      const anchor = await readAnchor(file, root)
      const tail = tailOf({
        bytes,
        anchor,
        key: await readAuditKey(this.env),
        path: this.path,
        anchorFile: file,
        keyFile: auditKeyFile(this.env),
      })
      const key = await auditKeyFor(this.env) // created here on first use
      if (tail.unfinished) await fs.truncate(this.path, tail.size)
      let { seq, link } = tail
      const lines = events
        .map((event) => {
          const body = { seq: ++seq, ts: at, actor, ...event, prev: link, kid: key.kid }
          link = macOf(key.bytes, body)
          return `${JSON.stringify({ ...body, mac: link })}\n`
        })
        .join('')
      await appendDurable(this.path, lines)
      const size = tail.size + Buffer.byteLength(lines)
      await writeAnchor(file, { version: 1, root, seq, mac: link, size, kid: key.kid })
      await fs.rm(join(this.stateDir, 'audit.head'), { force: true }) // the in-project head of the unkeyed format
    } finally {
      await release()
    }
  }

  /**
   * Record `events` before `change` runs (intent first): the change never happens unless its entries
   * are in the log. A change that throws is followed by a `failed` entry for each event (best effort).
   */
  async recorded<T>(
    events: readonly AuditEvent[],
    actor: string,
    at: string,
    change: () => Promise<T>,
  ): Promise<T> {
    await this.append(events, actor, at)
    try {
      return await change()
    } catch (err) {
      const failed = events.map(
        (e): AuditEvent => ({
          action: e.action,
          secret: e.secret,
          ...(e.env ? { env: e.env } : {}),
          detail: 'failed',
        }),
      )
      await this.append(failed, actor, at).catch(() => {})
      throw err
    }
  }

  /** Parsed entries; lines that are not entries are skipped here and reported by verify. */
  async entries(): Promise<AuditEntry[]> {
    const text = (await readIfExists(this.path)) ?? ''
    return text.split('\n').flatMap((line) => {
      const entry = line ? parseEntry(line) : undefined
      return entry ? [entry] : []
    })
  }

  /** Check every MAC, the chain and the anchor; every problem names its line. */
  async verify(): Promise<AuditReport> {
    const text = (await readIfExists(this.path)) ?? ''
    const { file, root } = await this.anchorFile()
    const problems: AuditReport['problems'] = []
    const [key, anchor] = await Promise.all([
      broken(readAuditKey(this.env), problems),
      broken(readAnchor(file, root), problems),
    ])
    const keySource = this.env[AUDIT_KEY_VAR]
      ? AUDIT_KEY_VAR
      : `${AUDIT_KEY_VAR} is unset and ${auditKeyFile(this.env)} does not exist`
    const report = verifyLog({ text, key, keySource, anchor, anchorFile: file })
    return { ...report, problems: [...problems, ...report.problems] }
  }
}

/** The log as bytes (sizes and the cut of a torn tail are in bytes, whatever the text holds). */
async function readBytes(path: string): Promise<Buffer> {
  try {
    return await fs.readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0)
    throw ioError('read', path, err)
  }
}

/** A corrupt key or anchor is a problem of the log, reported with the others. */
async function broken<T>(read: Promise<T>, problems: AuditReport['problems']): Promise<T | undefined> {
  try {
    return await read
  } catch (err) {
    if (!(err instanceof HushError) || err.code !== 'HUSH_E_AUDIT_BROKEN') throw err
    problems.push({ line: 0, problem: err.message })
    return undefined
  }
}

export function auditBroken(problems: number): HushError {
  return new HushError('HUSH_E_AUDIT_BROKEN', `the audit log does not verify: ${problems} problem(s)`, {
    hint: 'the log was edited, truncated, deleted or written without your audit key; compare it with a backup',
  })
}
