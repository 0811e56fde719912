/** The value a rotation replaced, kept until REVOKED so a rotator can retire the old credential. */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ensurePrivateDir, readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'

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

  read(): Promise<string | undefined> {
    return readIfExists(join(this.dir, this.job))
  }

  async drop(): Promise<void> {
    await rm(join(this.dir, this.job), { force: true })
  }
}
