/**
 * The rotation journal: one fsynced JSON line per step in
 * `.hush/jobs/<env>/<secret>/<id>.jsonl`, written BEFORE the step's side
 * effect is considered done. A torn last line (a crash mid-append) is ignored.
 * The pending value lives beside it in `<id>.pending` (0600), written before
 * any outside call, so a resumed job reuses it and never regenerates.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { HushError, ioError } from '../../lib/errors.js'
import { appendDurable, ensurePrivateDir, readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'

export const STATES = [
  'PLANNED',
  'GENERATED',
  'APPLIED',
  'VERIFIED',
  'DISTRIBUTED',
  'PROMOTED',
  'GRACE',
  'REVOKED',
] as const
export type JobState = (typeof STATES)[number] | 'FAILED' | 'ABORTED'

export interface JournalLine {
  readonly state: JobState
  readonly at: string
  /** fingerprints, versions, reasons — never values */
  readonly detail?: Readonly<Record<string, string | number | boolean>>
}

export interface JobRecord {
  readonly id: string
  readonly secret: string
  readonly env: string
  readonly lines: readonly JournalLine[]
}

/** The state a job is in: its last line (FAILED keeps the state it failed in, in detail.step). */
export function stateOf(job: JobRecord): JobState {
  return job.lines.at(-1)?.state ?? 'PLANNED'
}

/** The last completed step: where a resumed job continues (a FAILED line records an attempt, not a step). */
export function progressOf(job: JobRecord): JobState {
  return job.lines.findLast((l) => l.state !== 'FAILED')?.state ?? 'PLANNED'
}

export function isOpen(job: JobRecord): boolean {
  const s = stateOf(job)
  return s !== 'REVOKED' && s !== 'ABORTED'
}

export function lineOf(job: JobRecord, state: JobState): JournalLine | undefined {
  return job.lines.findLast((l) => l.state === state)
}

export class Journal {
  constructor(readonly stateDir: string) {}

  dirOf(env: string, secret: string): string {
    return join(this.stateDir, 'jobs', env, secret)
  }

  private path(job: { env: string; secret: string; id: string }, ext: string): string {
    return join(this.dirOf(job.env, job.secret), `${job.id}.${ext}`)
  }

  async append(job: { env: string; secret: string; id: string }, line: JournalLine): Promise<void> {
    await ensurePrivateDir(this.dirOf(job.env, job.secret))
    await appendDurable(this.path(job, 'jsonl'), `${JSON.stringify(line)}\n`)
  }

  async read(env: string, secret: string, id: string): Promise<JobRecord> {
    const text = (await readIfExists(this.path({ env, secret, id }, 'jsonl'))) ?? ''
    const lines: JournalLine[] = []
    for (const raw of text.split('\n')) {
      if (!raw) continue
      try {
        lines.push(JSON.parse(raw) as JournalLine)
      } catch {
        break // a torn line can only be the last one: the step it described never completed
      }
    }
    return { id, secret, env, lines }
  }

  /** Every job of an environment (or of one secret), oldest first. */
  async jobs(env: string, secret?: string): Promise<JobRecord[]> {
    const secrets = secret
      ? [secret]
      : await fs.readdir(join(this.stateDir, 'jobs', env)).catch(() => [] as string[])
    const out: JobRecord[] = []
    for (const s of secrets) {
      const files = await fs.readdir(this.dirOf(env, s)).catch(() => [] as string[])
      for (const f of files.filter((n) => n.endsWith('.jsonl')).sort())
        out.push(await this.read(env, s, f.slice(0, -6)))
    }
    return out
  }

  async writePending(job: { env: string; secret: string; id: string }, value: string): Promise<void> {
    await ensurePrivateDir(this.dirOf(job.env, job.secret))
    await writeFileAtomic(this.path(job, 'pending'), value)
  }

  /** The pending value of an open job; its absence means the state directory was damaged. */
  async requirePending(job: JobRecord): Promise<string> {
    const value = await this.readPending(job)
    if (value === undefined)
      throw new HushError('HUSH_E_STORE_CORRUPT', `the pending value of job ${job.id} is missing`, {
        hint: `abort the job (hush rotate ${job.secret} --abort) and rotate again`,
      })
    return value
  }

  async readPending(job: { env: string; secret: string; id: string }): Promise<string | undefined> {
    return readIfExists(this.path(job, 'pending'))
  }

  async dropPending(job: { env: string; secret: string; id: string }): Promise<void> {
    const path = this.path(job, 'pending')
    await fs.rm(path, { force: true }).catch((err) => {
      throw ioError('remove', path, err)
    })
  }
}
