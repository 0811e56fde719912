/**
 * `hush scan`: leaked credentials in a tree (files, split across worker
 * threads when there is enough to scan), in every unique blob of git history,
 * or in the lines a commit would add. With a manifest it also looks for the
 * project's own values in every encoding. Findings name rules, secrets and
 * fingerprints; no value and no matched text ever leaves this module.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, promises as fs, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { Worker } from 'node:worker_threads'
import { displayPath } from '../../lib/display.js'
import { HushError, ioError } from '../../lib/errors.js'
import { compileLinearRegex, type LinearRegex } from '../../lib/linear-regex.js'
import { buildScanner, type ScannerSpec, SMALL_SCAN_BYTES, scanBuffer } from './engine.js'
import { historyBlobs, introducedBy, readBlobs, stagedAdditions } from './git-sources.js'
import type { KnownValue } from './known.js'
import { knownPatterns } from './known.js'
import { type FileOutcome, isBinary, type LocatedFinding, locate, scanFile } from './locate.js'
import { BUILTIN_RULES, type RuleSpec } from './rules.js'

export const DEFAULT_MAX_SIZE = 10 * 1024 * 1024

export interface ScanOptions {
  /** where relative paths in reports start (the project root or the cwd) */
  readonly root: string
  readonly paths?: readonly string[]
  readonly mode?: 'files' | 'git' | 'staged'
  readonly since?: string
  readonly known?: readonly KnownValue[]
  readonly extraRules?: readonly RuleSpec[]
  /** false: known values only (no credential rules) */
  readonly rules?: boolean
  readonly noIgnore?: boolean
  readonly maxSize?: number
  /** worker threads; 0 scans in this thread (default: one per core for big trees) */
  readonly workers?: number
  /** files and directories never scanned (the stores themselves, .hush) */
  readonly exclude?: readonly string[]
  readonly allowPaths?: readonly string[]
  readonly allowIds?: readonly string[]
  readonly progress?: (done: number, total: number, bytes: number) => void
}

export interface ScanFinding {
  /** a stable id for baselines and allowlists: hash of rule, path and matched secret */
  readonly id: string
  readonly rule: string
  readonly file: string
  readonly line: number
  readonly column: number
  /** what it is, redacted: `ghp_…`, `session_key (base64)` */
  readonly preview: string
  readonly secret?: string
  readonly fingerprint?: string
  readonly encoding?: string
  readonly commit?: string
  readonly author?: string
  readonly date?: string
}

export interface ScanStats {
  readonly files: number
  readonly bytes: number
  /** `notRegular`: FIFOs, sockets and devices (never opened); `symlinks`: links met while walking (not followed) */
  readonly skipped: {
    binary: number
    large: number
    unreadable: number
    notRegular: number
    symlinks: number
  }
  /** each FIFO, socket or device skipped, with what it is */
  readonly notRegular: { readonly file: string; readonly type: string }[]
  readonly ms: number
  readonly workers: number
}

export interface ScanResult {
  readonly mode: 'files' | 'git' | 'staged'
  readonly findings: ScanFinding[]
  readonly stats: ScanStats
}

/** `**` any path, `*` any name part, `?` one character; on RE2, so no glob of stars can backtrack. */
export function globToRegExp(glob: string): LinearRegex {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*'
      i += glob[i + 2] === '/' ? 2 : 1
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  const compiled = compileLinearRegex(`^${re}$`)
  if (!compiled.ok)
    throw new HushError('HUSH_E_USAGE', `the allowed path ${JSON.stringify(glob)} ${compiled.problem}`, {
      hint: 'shorten the glob (scan.allow.paths in hush.yaml)',
    })
  return compiled.regex
}

function finding(f: LocatedFinding, file: string, extra: Partial<ScanFinding> = {}): ScanFinding {
  const id = createHash('sha256').update(`${f.rule}\0${file}\0${f.hash}`).digest('hex').slice(0, 16)
  const preview = f.secret ? `${f.secret} (${f.encoding})` : `${f.prefix ?? ''}…`
  return {
    id,
    rule: f.rule,
    file,
    line: f.line,
    column: f.column,
    preview,
    ...(f.secret ? { secret: f.secret, fingerprint: f.fingerprint!, encoding: f.encoding! } : {}),
    ...extra,
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

function inGitWorkTree(dir: string): boolean {
  return (
    spawnSync('git', ['rev-parse', '--is-inside-work-tree'], {
      cwd: dir,
      encoding: 'utf8',
    }).stdout?.trim() === 'true'
  )
}

/** Every path under `dir` but directories: FIFOs, sockets, devices and links too, which scanFile skips unopened. */
async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw ioError('list', dir, err)
  })
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (!entry.isDirectory()) out.push(path)
    else if (entry.name !== '.git') await walk(path, out)
  }
}

/** Whether a path named on the command line is a directory (links followed); a missing one is a usage error. */
function isDirectoryTarget(target: string): boolean {
  try {
    return statSync(target).isDirectory()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new HushError('HUSH_E_USAGE', `scan: ${displayPath(target)} does not exist`, {
        hint: 'name files or directories that exist, or run hush scan without paths for the whole project',
      })
    throw ioError('look at', target, err)
  }
}

/** Files under `target` (a file or a directory): git's view (tracked + untracked, not ignored) unless noIgnore. */
async function listFiles(target: string, noIgnore: boolean): Promise<string[]> {
  if (!isDirectoryTarget(target)) return [target]
  if (!noIgnore && inGitWorkTree(target)) {
    const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: target,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    })
    return r.stdout
      .split('\0')
      .filter(Boolean)
      .map((p) => join(target, p))
  }
  const out: string[] = []
  await walk(target, out)
  return out
}

/** A worker bundle exists only in the built package (dist/scan-worker.mjs); from sources, scan in-thread. */
function workerFile(): URL | undefined {
  for (const rel of ['./scan-worker.mjs', '../scan-worker.mjs']) {
    const url = new URL(rel, import.meta.url)
    if (url.protocol === 'file:' && existsSync(url)) return url
  }
  return undefined
}

async function scanInWorkers(
  spec: ScannerSpec,
  files: readonly string[],
  explicit: readonly string[],
  count: number,
  maxSize: number,
  onBatch: (outcomes: FileOutcome[]) => void,
): Promise<void> {
  const file = workerFile()!
  const batch = 128
  let next = 0
  await Promise.all(
    Array.from({ length: count }, async () => {
      const worker = new Worker(file, { workerData: { spec, maxSize, explicit } })
      let reply: { done: (o: FileOutcome[]) => void; fail: (e: Error) => void } | undefined
      worker.on('message', (o: FileOutcome[]) => reply?.done(o))
      worker.on('error', (e) => reply?.fail(e))
      try {
        while (next < files.length) {
          const slice = files.slice(next, next + batch)
          next += batch
          onBatch(
            await new Promise<FileOutcome[]>((done, fail) => {
              reply = { done, fail }
              worker.postMessage(slice)
            }),
          )
        }
      } finally {
        await worker.terminate()
      }
    }),
  )
}

export async function scan(options: ScanOptions): Promise<ScanResult> {
  const t0 = performance.now()
  const mode = options.mode ?? 'files'
  const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE
  const spec: ScannerSpec = {
    rules: options.rules === false ? [] : [...BUILTIN_RULES, ...(options.extraRules ?? [])],
    known: knownPatterns(options.known ?? []),
  }
  const allowPaths = (options.allowPaths ?? []).map(globToRegExp)
  const allowIds = new Set(options.allowIds ?? [])
  const allowed = (f: ScanFinding) =>
    allowIds.has(f.id) ||
    (f.fingerprint !== undefined && allowIds.has(f.fingerprint)) ||
    allowPaths.some((re) => re.test(f.file))
  const findings: ScanFinding[] = []
  const skipped = { binary: 0, large: 0, unreadable: 0, notRegular: 0, symlinks: 0 }
  const notRegular: { file: string; type: string }[] = []
  let files = 0
  let bytes = 0
  let workers = 0
  const rel = (abs: string) => relative(options.root, abs).split(sep).join('/')

  if (mode === 'git') {
    const scanner = buildScanner(spec)
    const { blobs, large } = historyBlobs(options.root, options.since, maxSize)
    skipped.large += large
    const hits: { blob: string; path: string; found: LocatedFinding[] }[] = []
    await readBlobs(options.root, blobs, (blob, data) => {
      files++
      bytes += data.length
      if (isBinary(data)) {
        skipped.binary++
        return
      }
      const found = locate(data, scanBuffer(scanner, data))
      if (found.length > 0) hits.push({ blob: blob.sha, path: blob.path, found })
      if (files % 500 === 0) options.progress?.(files, blobs.length, bytes)
    })
    // one finding per secret and path: the blob whose commit introduced it first
    const earliest = new Map<string, ScanFinding>()
    for (const h of hits) {
      const origin = introducedBy(options.root, h.blob)
      for (const f of h.found) {
        const found = finding(f, h.path, origin ?? {})
        const seen = earliest.get(found.id)
        if (!seen || (found.date ?? '') < (seen.date ?? '')) earliest.set(found.id, found)
      }
    }
    findings.push(...earliest.values())
  } else if (mode === 'staged') {
    const additions = stagedAdditions(options.root)
    const total = additions.reduce((sum, a) => sum + a.data.length, 0)
    const scanner = buildScanner(spec, { small: total < SMALL_SCAN_BYTES })
    for (const staged of additions) {
      files++
      bytes += staged.data.length
      for (const f of locate(staged.data, scanBuffer(scanner, staged.data)))
        findings.push(finding({ ...f, line: staged.lines[f.line - 1] ?? f.line }, staged.path))
    }
  } else {
    // files: the working tree
    const excluded = (options.exclude ?? []).map((e) => resolve(e))
    const isExcluded = (f: string) => excluded.some((e) => f === e || f.startsWith(e + sep))
    const targets = (options.paths?.length ? options.paths : [options.root]).map((p) =>
      isAbsolute(p) ? p : resolve(options.root, p),
    )
    const list = [
      ...new Set((await Promise.all(targets.map((t) => listFiles(t, options.noIgnore === true)))).flat()),
    ]
      .filter((f) => !isExcluded(f))
      .filter((f) => !allowPaths.some((re) => re.test(rel(f))))
    // a file named on the command line may be a link; its target must still be a regular file
    const listed = new Set(list)
    const explicit = targets.filter((t) => listed.has(t))
    const followed = new Set(explicit)
    const collect = (outcomes: FileOutcome[]) => {
      for (const o of outcomes) {
        files++
        if (!('skipped' in o)) {
          bytes += o.bytes
          for (const f of o.findings) findings.push(finding(f, rel(o.file)))
        } else if (o.skipped === 'special') {
          skipped.notRegular++
          notRegular.push({ file: rel(o.file), type: o.type ?? 'not a file' })
        } else if (o.skipped === 'symlink') skipped.symlinks++
        else skipped[o.skipped]++
      }
      options.progress?.(files, list.length, bytes)
    }
    const cores = options.workers ?? Math.min(availableParallelism(), 8)
    const big = list.length >= 256 && cores > 1 && workerFile() !== undefined
    if (big) {
      workers = Math.min(cores, Math.ceil(list.length / 128))
      await scanInWorkers(spec, list, explicit, workers, maxSize, collect)
    } else {
      // a handful of small files: search directly rather than compile the automaton
      const small = list.length < 256 && list.reduce((sum, f) => sum + sizeOf(f), 0) < SMALL_SCAN_BYTES
      const scanner = buildScanner(spec, { small })
      for (let i = 0; i < list.length; i += 256)
        collect(list.slice(i, i + 256).map((f) => scanFile(scanner, f, maxSize, followed.has(f))))
    }
  }
  const kept = findings
    .filter((f) => !allowed(f))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column)
  return {
    mode,
    findings: kept,
    stats: {
      files,
      bytes,
      skipped,
      notRegular: notRegular.sort((a, b) => a.file.localeCompare(b.file)),
      ms: performance.now() - t0,
      workers,
    },
  }
}
