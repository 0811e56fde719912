/**
 * An exclusive lock file naming its owner (pid, start time, boot id: lib/process-owner.ts); a lock
 * whose owner is dead — gone, a zombie, or its pid now another process — is taken over.
 */
import { promises as fs } from 'node:fs'
import { HushError } from './errors.js'
import { createFileAtomic } from './fs-safe.js'
import { currentOwner, formatOwner, ownerAlive, parseOwner } from './process-owner.js'

const code = (err: unknown) => (err as NodeJS.ErrnoException).code

/**
 * Move a dead owner's lock aside. Another process may have taken it over in the meantime: what
 * was moved is then not the lock judged dead, and is put back.
 */
async function takeOver(path: string, judged: string): Promise<void> {
  const aside = `${path}.${process.pid}.stale`
  try {
    await fs.rename(path, aside)
  } catch (err) {
    if (code(err) === 'ENOENT') return
    throw err
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => judged)
  if (moved !== judged) await fs.link(aside, path).catch(() => undefined)
  await fs.rm(aside, { force: true })
}

/** Take the lock at `path` (its directory must exist); returns the release function. */
export async function acquireLock(path: string): Promise<() => Promise<void>> {
  const mine = formatOwner(currentOwner())
  for (let attempt = 0; attempt < 3; attempt++) {
    // created with its owner in it, so no reader ever sees a lock without one
    if (await createFileAtomic(path, mine, { durable: false })) return () => fs.rm(path, { force: true })
    const text = await fs.readFile(path, 'utf8').catch(() => undefined)
    if (text === undefined) continue // released meanwhile
    const owner = parseOwner(text)
    if (owner && ownerAlive(owner))
      throw new HushError(
        'HUSH_E_LOCKED',
        `another hush process (pid ${owner.pid}) is changing this project`,
        {
          hint: `wait for it to finish; if no hush is running, delete ${path}`,
        },
      )
    await takeOver(path, text) // its owner died (killed mid-run) or left no owner: take it over
  }
  throw new HushError('HUSH_E_LOCKED', `could not take the lock ${path}`, { hint: 'run the command again' })
}
