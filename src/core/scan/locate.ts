/** Turn raw offsets into lines and columns, drop `hush:allow` lines, and scan one file from disk. */
import { type FileType, readRegularFile } from '../../lib/regular-file.js'
import { type RawFinding, type Scanner, scanBuffer } from './engine.js'

export interface LocatedFinding extends RawFinding {
  readonly line: number
  readonly column: number
}

const ALLOW = Buffer.from('hush:allow')

/** Findings with 1-based line and column, minus those on a line that carries `hush:allow`. */
export function locate(buf: Buffer, findings: readonly RawFinding[]): LocatedFinding[] {
  const out: LocatedFinding[] = []
  let line = 1
  let lineStart = 0
  let pos = 0
  for (const f of [...findings].sort((a, b) => a.start - b.start)) {
    for (; pos < f.start; pos++)
      if (buf[pos] === 0x0a) {
        line++
        lineStart = pos + 1
      }
    let lineEnd = buf.indexOf(0x0a, f.start)
    if (lineEnd === -1) lineEnd = buf.length
    if (buf.subarray(lineStart, lineEnd).includes(ALLOW)) continue
    out.push({ ...f, line, column: f.start - lineStart + 1 })
  }
  return out
}

/** NUL in the first KB: a binary file. */
export function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, 1024).includes(0)
}

/** Why a file was not scanned: `special` is a FIFO, socket or device, never opened; links are not followed. */
export type SkipReason = 'binary' | 'large' | 'unreadable' | 'special' | 'symlink'

export type FileOutcome =
  | { readonly file: string; readonly bytes: number; readonly findings: LocatedFinding[] }
  | {
      readonly file: string
      readonly bytes: number
      readonly skipped: SkipReason
      /** what a `special` file is ("a FIFO") */
      readonly type?: FileType
    }

/**
 * Scan one file from disk. Only a regular file is opened: a FIFO (which would block the scan for
 * ever), a socket or a device is skipped unopened, and so is a symbolic link unless
 * `followSymlinks` (a path named on the command line), whose target must then be regular.
 */
export function scanFile(
  scanner: Scanner,
  file: string,
  maxSize: number,
  followSymlinks = false,
): FileOutcome {
  let read: ReturnType<typeof readRegularFile>
  try {
    read = readRegularFile(file, { maxBytes: maxSize, followSymlinks })
  } catch {
    return { file, bytes: 0, skipped: 'unreadable' }
  }
  if (read.status === 'absent') return { file, bytes: 0, skipped: 'unreadable' }
  if (read.status === 'too-large') return { file, bytes: read.size, skipped: 'large' }
  if (read.status === 'not-regular') {
    if (read.type === 'a symbolic link') return { file, bytes: 0, skipped: 'symlink' }
    // a directory: a submodule that git lists as one path
    if (read.type === 'a directory') return { file, bytes: 0, skipped: 'unreadable' }
    return { file, bytes: 0, skipped: 'special', type: read.type }
  }
  const data = read.data
  if (isBinary(data)) return { file, bytes: data.length, skipped: 'binary' }
  return { file, bytes: data.length, findings: locate(data, scanBuffer(scanner, data)) }
}
