/**
 * Reading a file that must be a regular file of bounded size. A FIFO, a socket or a device
 * (`/dev/zero`, `/dev/urandom`) is refused before it is opened, so a read never blocks or runs
 * forever; the opened descriptor is checked again (the path may have been swapped in between), and
 * at most `maxBytes + 1` bytes are read, so a file that grows while it is read cannot pass the cap.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats, statSync } from 'node:fs'
import { ioError } from './errors.js'

/** What a path is, in words for a message ("a FIFO"). */
export type FileType =
  | 'a regular file'
  | 'a directory'
  | 'a symbolic link'
  | 'a FIFO'
  | 'a socket'
  | 'a character device'
  | 'a block device'
  | 'not a file'

export function fileTypeOf(stats: Stats): FileType {
  if (stats.isFile()) return 'a regular file'
  if (stats.isDirectory()) return 'a directory'
  if (stats.isSymbolicLink()) return 'a symbolic link'
  if (stats.isFIFO()) return 'a FIFO'
  if (stats.isSocket()) return 'a socket'
  if (stats.isCharacterDevice()) return 'a character device'
  if (stats.isBlockDevice()) return 'a block device'
  return 'not a file'
}

export type RegularFileRead =
  | { readonly status: 'read'; readonly data: Buffer }
  | { readonly status: 'absent' }
  | { readonly status: 'not-regular'; readonly type: FileType }
  /** `size`: what fstat reported, or the bytes read when the file grew past the cap */
  | { readonly status: 'too-large'; readonly size: number }

export interface RegularFileOptions {
  /** the most bytes accepted; a longer file is `too-large` */
  readonly maxBytes: number
  /** false: a symbolic link (as the last component) is `not-regular` and never opened (O_NOFOLLOW) */
  readonly followSymlinks: boolean
}

// absent on platforms without them (the pre-open type check still applies there)
const O_NONBLOCK = constants.O_NONBLOCK ?? 0
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0

const absentCodes = new Set(['ENOENT', 'ENOTDIR'])

/**
 * Read `path` if it is a regular file of at most `maxBytes` bytes; throws a HushError (HUSH_E_IO,
 * path and errno only) when it cannot be read for another reason (EACCES, EIO).
 *
 * @example
 * const r = readRegularFile('/run/secrets/db_password', { maxBytes: 1 << 20, followSymlinks: true })
 * if (r.status === 'read') use(r.data)
 */
export function readRegularFile(path: string, options: RegularFileOptions): RegularFileRead {
  let fd: number
  try {
    // look before opening: opening a FIFO blocks, and opening some devices has effects
    const before = options.followSymlinks ? statSync(path) : lstatSync(path)
    if (!before.isFile()) return { status: 'not-regular', type: fileTypeOf(before) }
    fd = openSync(path, constants.O_RDONLY | O_NONBLOCK | (options.followSymlinks ? 0 : O_NOFOLLOW))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (absentCodes.has(code)) return { status: 'absent' }
    // swapped after the check: a symlink under O_NOFOLLOW (ELOOP), a socket (ENXIO)
    if (code === 'ELOOP') return { status: 'not-regular', type: 'a symbolic link' }
    if (code === 'ENXIO') return { status: 'not-regular', type: 'not a file' }
    throw ioError('read', path, err)
  }
  try {
    const opened = fstatSync(fd)
    if (!opened.isFile()) return { status: 'not-regular', type: fileTypeOf(opened) }
    if (opened.size > options.maxBytes) return { status: 'too-large', size: opened.size }
    const data = readAtMost(fd, options.maxBytes + 1, opened.size)
    if (data.length > options.maxBytes) return { status: 'too-large', size: data.length }
    return { status: 'read', data }
  } catch (err) {
    throw ioError('read', path, err)
  } finally {
    closeSync(fd)
  }
}

/** Up to `limit` bytes from `fd`, starting with a buffer of the size fstat reported (which may be wrong). */
function readAtMost(fd: number, limit: number, expected: number): Buffer {
  let buf = Buffer.allocUnsafe(Math.min(limit, Math.max(expected + 1, 64)))
  let filled = 0
  for (;;) {
    if (filled === buf.length) {
      if (buf.length >= limit) break
      const bigger = Buffer.allocUnsafe(Math.min(limit, buf.length * 2))
      buf.copy(bigger, 0, 0, filled)
      buf = bigger
    }
    const n = readSync(fd, buf, filled, buf.length - filled, null)
    if (n === 0) break
    filled += n
  }
  return buf.subarray(0, filled)
}
