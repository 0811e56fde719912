/** The private directory of `hush run --files`: tmpfs when the machine has one, 0700, removed afterwards. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensurePrivateDir, writeFileAtomic } from '../../lib/fs-safe.js'
import type { RunValue } from './values.js'

/** /dev/shm is a tmpfs on Linux: values never reach a disk. */
function baseDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
}

export interface SecretsDir {
  readonly path: string
  /** `X_FILE` for every value, plus `HUSH_SECRETS_DIR` */
  readonly env: Record<string, string>
  remove(): void
}

export async function writeSecretsDir(values: readonly RunValue[]): Promise<SecretsDir> {
  const path = mkdtempSync(join(baseDir(), 'hush-run-'))
  const remove = () => rmSync(path, { recursive: true, force: true })
  try {
    await ensurePrivateDir(path)
    const env: Record<string, string> = { HUSH_SECRETS_DIR: path }
    for (const v of values) {
      await writeFileAtomic(join(path, v.entry), v.value, { syncDir: false })
      env[`${v.envName}_FILE`] = join(path, v.entry)
    }
    return { path, env, remove }
  } catch (err) {
    remove()
    throw err
  }
}
