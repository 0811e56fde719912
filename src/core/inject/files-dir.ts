/**
 * The private directory of `hush run --files`: tmpfs when the machine has one, 0700, removed
 * afterwards. Its name records its owner the way a lock does (pid and process start time, see
 * lib/process-owner.ts, and the pid namespace), so when hush is SIGKILLed and cannot remove it,
 * the next `hush run` or `hush doctor` can tell its owner is dead and remove it.
 */
import { existsSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensurePrivateDir, writeFileAtomic } from '../../lib/fs-safe.js'
import { currentOwner, ownerAlive } from '../../lib/process-owner.js'
import type { RunValue } from './values.js'

/** /dev/shm is a tmpfs on Linux: values never reach a disk. */
export function secretsDirBase(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
}

/** hush-run-<pid namespace>.<pid>.<start time>-XXXXXX (0 where the machine has no /proc) */
const NAME = /^hush-run-(\d+)\.(\d+)\.(\d+)-[A-Za-z0-9]{6}$/

function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0'
  } catch {
    return '0'
  }
}

export interface SecretsDir {
  readonly path: string
  /** `X_FILE` for every value, plus `HUSH_SECRETS_DIR` */
  readonly env: Record<string, string>
  remove(): void
}

export async function writeSecretsDir(
  values: readonly RunValue[],
  base = secretsDirBase(),
): Promise<SecretsDir> {
  const { pid, start } = currentOwner()
  const path = mkdtempSync(join(base, `hush-run-${pidNamespace()}.${pid}.${start ?? '0'}-`))
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

export interface StaleSecretsDir {
  readonly path: string
  /** the pid of the hush that wrote it and died without removing it */
  readonly pid: number
}

/**
 * Remove the `--files` directories of this user whose hush died (SIGKILL, a crash, the OOM killer)
 * and return them. A directory of a live hush, of another user, of another pid namespace (whose
 * pids this one cannot see), or anything that is not a plain directory, is left alone.
 */
export function removeStaleSecretsDirs(base = secretsDirBase()): StaleSecretsDir[] {
  let names: string[]
  try {
    names = readdirSync(base)
  } catch {
    return []
  }
  const removed: StaleSecretsDir[] = []
  let namespace: string | undefined
  for (const name of names) {
    const owner = NAME.exec(name)
    if (!owner) continue
    namespace ??= pidNamespace()
    const [, ns, pid, start] = owner
    if (ns !== namespace || ownerAlive({ pid: Number(pid), ...(start === '0' ? {} : { start }) })) continue
    const path = join(base, name)
    try {
      const stat = lstatSync(path)
      if (!stat.isDirectory() || stat.uid !== process.getuid?.()) continue
      rmSync(path, { recursive: true, force: true })
      removed.push({ path, pid: Number(pid) })
    } catch {
      // gone already (another hush removed it), or not ours to remove
    }
  }
  return removed
}
