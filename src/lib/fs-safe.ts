/**
 * The one place hush writes files. Every write is atomic (temp file in the same
 * directory, fsync, rename, fsync of the directory), files are 0600 and
 * directories 0700 whatever the umask, so a crash leaves either the old
 * content or the new one, never a torn or empty file.
 */
import { constants, promises as fs, type Stats } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { displayPath } from './display.js'
import { HushError, ioError } from './errors.js'
import { stripOneNewline } from './newline.js'
import { type RegularFileRead, readRegularFile } from './regular-file.js'

export const FILE_MODE = 0o600
export const DIR_MODE = 0o700
/** The largest value hush reads from a store file: secrets are small, a huge file is a mistake or an attack. */
export const MAX_VALUE_BYTES = 1024 * 1024
const TEMP_PREFIX = '.hush-tmp-'
let tempSeq = 0
/** Open flags that never follow a symlink at the last component (hush's own files are never links). */
const NO_FOLLOW = constants.O_NOFOLLOW

/** hush reads and writes its files and values only where they are, never through a symlink. */
export function symlinkError(path: string): HushError {
  return new HushError(
    'HUSH_E_UNSAFE_PATH',
    `${path} is a symlink; hush does not read or write through links`,
    {
      hint: `replace it with a regular file or directory (rm ${path}, then hush gen or hush set)`,
    },
  )
}

/** An error from opening `path` with {@link NO_FOLLOW}: ELOOP means the path is a symlink. */
function openError(action: string, path: string, err: unknown): HushError {
  return (err as NodeJS.ErrnoException).code === 'ELOOP' ? symlinkError(path) : ioError(action, path, err)
}

/**
 * Create `dir` (and parents); a directory hush creates is 0700 whatever the umask. An existing
 * directory keeps its mode (it is the user's: `hush check` reports a wide one) unless `adopt`
 * (the user said `--adopt`), and a symlink is refused rather than followed.
 */
export async function ensurePrivateDir(dir: string, options: { adopt?: boolean } = {}): Promise<void> {
  let st: Stats
  let created: string | undefined
  try {
    created = await fs.mkdir(dir, { recursive: true, mode: DIR_MODE })
    st = await fs.lstat(dir)
  } catch (err) {
    throw ioError('create directory', dir, err)
  }
  if (st.isSymbolicLink()) throw symlinkError(dir)
  if ((created !== undefined || options.adopt) && (st.mode & 0o777) !== DIR_MODE)
    await fs.chmod(dir, DIR_MODE).catch((err) => {
      throw ioError('chmod', dir, err)
    })
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** A temp name beside `path`: pid + sequence is unique among live writers (a leftover is a dead process's). */
function tempNameFor(path: string): string {
  return join(dirname(path), `${TEMP_PREFIX}${basename(path)}.${process.pid}.${++tempSeq}`)
}

/** Write `data` to the fresh file `temp` with exactly `mode` (the umask may clear bits), fsynced when `sync`. */
async function writeTemp(
  temp: string,
  data: string | Uint8Array,
  mode: number,
  sync: boolean,
): Promise<void> {
  await fs.rm(temp, { force: true })
  const handle = await fs.open(temp, 'wx', mode)
  try {
    await handle.chmod(mode) // never widen beyond mode
    await handle.writeFile(data)
    if (sync) await handle.sync()
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
  const temp = tempNameFor(path)
  try {
    await writeTemp(temp, data, options.mode ?? FILE_MODE, true)
    await fs.rename(temp, path)
    if (options.syncDir !== false) await fsyncDir(dirname(path))
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => {})
    throw ioError('write', path, err)
  }
}

/**
 * Create `path` with mode 0600 unless it exists, content and all in one step: the content is
 * written under a temp name, then hard-linked into place, which fails when another process created
 * `path` first, so no reader ever sees it empty. Returns false (and leaves the existing file alone)
 * in that case. `durable: false` skips the fsyncs (a lock file need not survive a crash). On a file
 * system without hard links it creates exclusively, then writes.
 */
export async function createFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { durable?: boolean } = {},
): Promise<boolean> {
  const durable = options.durable !== false
  const temp = tempNameFor(path)
  try {
    await writeTemp(temp, data, FILE_MODE, durable)
    try {
      await fs.link(temp, path)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST') return false
      if (code !== 'EPERM' && code !== 'ENOTSUP') throw err
      const handle = await fs.open(path, 'wx', FILE_MODE).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined
        throw e
      })
      if (!handle) return false
      try {
        await handle.writeFile(data)
        if (durable) await handle.sync()
      } finally {
        await handle.close()
      }
    }
    if (durable) await fsyncDir(dirname(path))
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
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW
    const handle = await fs.open(path, flags, FILE_MODE)
    try {
      await handle.writeFile(text)
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch (err) {
    throw openError('append to', path, err)
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
    return await fs.readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | NO_FOLLOW })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw openError('read', path, err)
  }
}

/**
 * A secret file's value, exactly one trailing newline stripped, or `undefined` when it is absent.
 * Only a regular file is read (a FIFO or a device would block or never end), up to `maxBytes`.
 * Synchronous: secret files are tiny, and one read beats four thread-pool round trips.
 */
export function readValueFile(
  path: string,
  options: { maxBytes?: number; followSymlinks?: boolean } = {},
): string | undefined {
  const followSymlinks = options.followSymlinks ?? true
  const r = readRegularFile(path, { maxBytes: options.maxBytes ?? Number.POSITIVE_INFINITY, followSymlinks })
  if (r.status === 'absent') return undefined
  if (r.status === 'read') return stripOneNewline(r.data.toString('utf8'))
  if (r.status === 'not-regular' && r.type === 'a symbolic link') throw symlinkError(path)
  throw refusedFileError(path, r)
}

/**
 * A value in one of hush's own stores: a regular file of at most {@link MAX_VALUE_BYTES}, never
 * read through a symlink (the runtime follows links only for mounts such as /run/secrets).
 */
export function readEntryFile(path: string): string | undefined {
  return readValueFile(path, { maxBytes: MAX_VALUE_BYTES, followSymlinks: false })
}

/** The error for a file {@link readRegularFile} refused: what it is, or that it is over the cap. */
function refusedFileError(
  path: string,
  r: RegularFileRead & { status: 'not-regular' | 'too-large' },
): HushError {
  return r.status === 'not-regular'
    ? new HushError(
        'HUSH_E_UNSAFE_PATH',
        `cannot read ${displayPath(path)}: it is ${r.type}, not a regular file`,
        {
          hint: 'hush reads secrets only from regular files; replace it with one',
        },
      )
    : new HushError('HUSH_E_UNSAFE_PATH', `cannot read ${displayPath(path)}: it is over the size cap`, {
        hint: 'a secret file is small; check that the path names the right file',
      })
}
