/**
 * The one place hush writes files. Every write is atomic (temp file in the same
 * directory, fsync, rename, fsync of the directory), files are 0600 and
 * directories 0700 whatever the umask, so a crash leaves either the old
 * content or the new one, never a torn or empty file.
 */
import { promises as fs, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ioError } from './errors.js'
import { stripOneNewline } from './newline.js'

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

/**
 * Create `path` atomically with mode 0600 unless it exists: the content is written and fsynced under a
 * temp name, then hard-linked into place, which fails when another process created `path` first.
 * Returns false (and leaves the existing file alone) in that case.
 */
export async function createFileAtomic(path: string, data: string | Uint8Array): Promise<boolean> {
  const dir = dirname(path)
  const temp = join(dir, `${TEMP_PREFIX}${basename(path)}.${process.pid}.${++tempSeq}`)
  try {
    await fs.rm(temp, { force: true })
    const handle = await fs.open(temp, 'wx', FILE_MODE)
    try {
      await handle.chmod(FILE_MODE)
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      await fs.link(temp, path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw err
    }
    await fsyncDir(dir)
    return true
  } catch (err) {
    throw ioError('create', path, err)
  } finally {
    await fs.rm(temp, { force: true }).catch(() => {})
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
 * Synchronous: secret files are tiny, and one read beats four thread-pool round trips.
 */
export function readValueFile(path: string): string | undefined {
  try {
    return stripOneNewline(readFileSync(path, 'utf8'))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw ioError('read', path, err)
  }
}
