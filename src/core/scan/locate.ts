/** Turn raw offsets into lines and columns, drop `hush:allow` lines, and scan one file from disk. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
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

export type FileOutcome =
  | { readonly file: string; readonly bytes: number; readonly findings: LocatedFinding[] }
  | { readonly file: string; readonly bytes: number; readonly skipped: 'binary' | 'large' | 'unreadable' }

export function scanFile(scanner: Scanner, file: string, maxSize: number): FileOutcome {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return { file, bytes: 0, skipped: 'unreadable' }
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) return { file, bytes: 0, skipped: 'unreadable' }
    const size = stat.size
    if (size > maxSize) return { file, bytes: size, skipped: 'large' }
    const buf = Buffer.allocUnsafe(size)
    let read = 0
    while (read < size) {
      const n = readSync(fd, buf, read, size - read, read)
      if (n === 0) break
      read += n
    }
    const data = buf.subarray(0, read)
    if (isBinary(data)) return { file, bytes: read, skipped: 'binary' }
    return { file, bytes: read, findings: locate(data, scanBuffer(scanner, data)) }
  } finally {
    closeSync(fd)
  }
}
