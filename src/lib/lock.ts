/**
 * An exclusive lock file naming its owner (pid, start time, boot id: lib/process-owner.ts); a lock
 * whose owner is dead — gone, a zombie, or its pid now another process — is taken over.
 */
import { promises as fs } from 'node:fs'
import { HushError, ioError } from './errors.js'
import { currentOwner, formatOwner, ownerAlive, parseOwner } from './process-owner.js'

const code = (err: unknown) => (err as NodeJS.ErrnoException).code

/**
 * Create the lock with its content in one step: write a private file, then link it to the lock's
 * name (link fails when the name exists), so no reader ever sees a lock without an owner in it.
 */
async function create(path: string, content: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.tmp`
  await fs.rm(temp, { force: true }) // one left by a killed process of the same pid
  await fs.writeFile(temp, content, { mode: 0o600, flag: 'wx' })
  try {
    await fs.link(temp, path)
    return true
  } catch (err) {
    if (code(err) === 'EEXIST') return false
    if (code(err) !== 'EPERM' && code(err) !== 'ENOTSUP') throw err
    // a file system without hard links: create exclusively, then write
    const handle = await fs.open(path, 'wx', 0o600).catch((e: unknown) => {
      if (code(e) === 'EEXIST') return undefined
      throw e
    })
    if (!handle) return false
    await handle.writeFile(content)
    await handle.close()
    return true
  } finally {
    await fs.rm(temp, { force: true })
  }
}

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
    try {
      if (await create(path, mine)) return () => fs.rm(path, { force: true })
    } catch (err) {
      throw ioError('create lock', path, err)
    }
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
