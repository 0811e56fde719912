/**
 * The one place hush writes files. Every write is atomic (temp file in the same
 * directory, fsync, rename, fsync of the directory), files are 0600 and
 * directories 0700 whatever the umask, so a crash leaves either the old
 * content or the new one, never a torn or empty file.
 */
import { promises as fs } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { displayPath } from './display.js'
import { HushError, ioError } from './errors.js'
import { stripOneNewline } from './newline.js'
import { type RegularFileRead, readRegularFile } from './regular-file.js'

export const FILE_MODE = 0o600
export const DIR_MODE = 0o700
const TEMP_PREFIX = '.hush-tmp-'
let tempSeq = 0

/** Create `dir` (and parents) and make sure `dir` itself is 0700. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: DIR_MODE })
    const st = await fs.stat(dir)
    if ((st.mode & 0o777) !== DIR_MODE && st.uid === process.getuid?.()) await fs.chmod(dir, DIR_MODE)
  } catch (err) {
    throw ioError('create directory', dir, err)
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Write `data` to `path` atomically with mode 0600 (or `mode`). The parent directory must exist. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; syncDir?: boolean } = {},
): Promise<void> {
  const dir = dirname(path)
  // pid + sequence is unique among live writers; a leftover with our name is from a dead process with our pid
  const temp = join(dir, `${TEMP_PREFIX}${basename(path)}.${process.pid}.${++tempSeq}`)
  const mode = options.mode ?? FILE_MODE
  try {
    await fs.rm(temp, { force: true })
    const handle = await fs.open(temp, 'wx', mode)
    try {
      await handle.chmod(mode) // the umask may have cleared bits we asked for; never widen beyond mode
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(temp, path)
    if (options.syncDir !== false) await fsyncDir(dir)
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => {})
    throw ioError('write', path, err)
  }
}

/** Sync a directory once after many writes made with `syncDir: false`. */
export async function syncDir(dir: string): Promise<void> {
  try {
    await fsyncDir(dir)
  } catch (err) {
    throw ioError('sync directory', dir, err)
  }
}

/** Append one or more complete lines to `path` (created 0600) and fsync them. */
export async function appendDurable(path: string, text: string): Promise<void> {
  try {
    const handle = await fs.open(path, 'a', FILE_MODE)
    try {
      await handle.writeFile(text)
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch (err) {
    throw ioError('append to', path, err)
  }
}

/** True when `name` is a temp file left behind by a killed {@link writeFileAtomic}. */
export function isTempFile(name: string): boolean {
  return name.startsWith(TEMP_PREFIX)
}

/** Remove temp files a crashed writer left in `dir`. */
export async function removeStaleTempFiles(dir: string): Promise<void> {
  const entries = await fs.readdir(dir).catch(() => [] as string[])
  await Promise.all(entries.filter(isTempFile).map((name) => fs.rm(join(dir, name), { force: true })))
}

/** Read a UTF-8 file, or `undefined` when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw ioError('read', path, err)
  }
}

/**
 * A secret file's value, exactly one trailing newline stripped, or `undefined` when it is absent.
 * Only a regular file is read (a FIFO or a device would block or never end), up to `maxBytes`.
 * Synchronous: secret files are tiny, and one read beats four thread-pool round trips.
 */
export function readValueFile(path: string, options: { maxBytes?: number } = {}): string | undefined {
  const r = readRegularFile(path, {
    maxBytes: options.maxBytes ?? Number.POSITIVE_INFINITY,
    followSymlinks: true,
  })
  if (r.status === 'absent') return undefined
  if (r.status === 'read') return stripOneNewline(r.data.toString('utf8'))
  throw refusedFileError(path, r)
}

/** The error for a file {@link readRegularFile} refused: what it is, or that it is over the cap. */
function refusedFileError(
  path: string,
  r: RegularFileRead & { status: 'not-regular' | 'too-large' },
): HushError {
  return r.status === 'not-regular'
    ? new HushError('HUSH_E_IO', `cannot read ${displayPath(path)}: it is ${r.type}, not a regular file`, {
        hint: 'hush reads secrets only from regular files; replace it with one',
      })
    : new HushError('HUSH_E_IO', `cannot read ${displayPath(path)}: it is over the size cap`, {
        hint: 'a secret file is small; check that the path names the right file',
      })
}
