/**
 * The values rotations replaced: `.hush/history/<env>/<secret>/<job>` (0600) holds the value the
 * job took out of service. A rotator retires the old credential with it at REVOKED, `hush rollback`
 * puts it back, and it is kept for the secret's `rotate.retain` (default 30d) after its job.
 */
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ensurePrivateDir, readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'

/**
 * A job id is its UTC start time and a pid, `20260101T000000-42`; undefined for anything else (a
 * journal line naming a path is never read as a job's kept value).
 */
function startOf(job: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})-\d{1,10}$/.exec(job)
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined
}

export class History {
  private readonly dir: string

  constructor(
    stateDir: string,
    env: string,
    secret: string,
    private readonly job: string,
  ) {
    this.dir = join(stateDir, 'history', env, secret)
  }

  async keep(value: string): Promise<void> {
    await ensurePrivateDir(this.dir)
    await writeFileAtomic(join(this.dir, this.job), value)
  }

  /** The value this job replaced. */
  read(): Promise<string | undefined> {
    return this.readJob(this.job)
  }

  readJob(job: string): Promise<string | undefined> {
    return startOf(job) === undefined ? Promise.resolve(undefined) : readIfExists(join(this.dir, job))
  }

  /** Jobs with a kept value, newest first. */
  async jobs(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[])
    return names
      .filter((n) => startOf(n) !== undefined)
      .sort((a, b) => startOf(b)! - startOf(a)! || (a < b ? 1 : -1))
  }

  /** The newest kept value other than `current`, and the job that replaced it. */
  async previous(current: string | undefined): Promise<{ job: string; value: string } | undefined> {
    for (const job of await this.jobs()) {
      const value = await this.readJob(job)
      if (value !== undefined && value !== current) return { job, value }
    }
    return undefined
  }

  /** Forget values whose job started more than `retainMs` before `now`; this job's own value stays. */
  async prune(retainMs: number, now: Date): Promise<number> {
    const old = (await this.jobs()).filter(
      (job) => job !== this.job && startOf(job)! + retainMs < now.getTime(),
    )
    for (const job of old) await rm(join(this.dir, job), { force: true })
    return old.length
  }
}
