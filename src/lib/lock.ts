/** An exclusive lock file holding the owner's pid; a lock whose owner died is taken over. */
import { promises as fs } from 'node:fs'
import { HushError, ioError } from './errors.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Take the lock at `path` (its directory must exist); returns the release function. */
export async function acquireLock(path: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(path, 'wx', 0o600)
      await handle.writeFile(String(process.pid))
      await handle.close()
      return () => fs.rm(path, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('create lock', path, err)
      const owner = Number.parseInt((await fs.readFile(path, 'utf8').catch(() => '')) || '0', 10)
      if (owner > 0 && alive(owner))
        throw new HushError('HUSH_E_LOCKED', `another hush process (pid ${owner}) is changing this project`, {
          hint: `wait for it to finish; if no hush is running, delete ${path}`,
        })
      await fs.rm(path, { force: true }) // its owner died (killed mid-run): take it over
    }
  }
  throw new HushError('HUSH_E_LOCKED', `could not take the lock ${path}`, { hint: 'run the command again' })
}
