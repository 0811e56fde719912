/**
 * What `scan --git` and `scan --staged` read from git: every unique blob in
 * history once (`rev-list --objects` + `cat-file --batch`), and the lines a
 * commit would add (`diff --cached`).
 */
import { spawn, spawnSync } from 'node:child_process'
import { HushError } from '../../lib/errors.js'

function git(cwd: string, args: readonly string[], input?: string): string {
  const r = spawnSync('git', ['-c', 'core.quotePath=false', ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    ...(input !== undefined ? { input } : {}),
  })
  if (r.status !== 0)
    throw new HushError('HUSH_E_USAGE', `git ${args[0]} failed: ${r.stderr.trim().split('\n')[0]}`, {
      hint: 'scan --git and --staged run inside a git repository (and --since needs a known revision)',
    })
  return r.stdout
}

export interface BlobRef {
  readonly sha: string
  readonly path: string
  readonly size: number
}

/** Every blob reachable from any ref (or added since `since`), once each, with a path it had. */
export function historyBlobs(
  cwd: string,
  since: string | undefined,
  maxSize: number,
): { blobs: BlobRef[]; large: number } {
  const listed = git(cwd, ['rev-list', '--objects', '--all', ...(since ? ['--not', since] : [])])
  const pathOf = new Map<string, string>()
  for (const line of listed.split('\n')) {
    const space = line.indexOf(' ')
    if (space > 0 && !pathOf.has(line.slice(0, space)))
      pathOf.set(line.slice(0, space), line.slice(space + 1))
  }
  const checked = git(
    cwd,
    ['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'],
    [...pathOf.keys()].join('\n'),
  )
  const blobs: BlobRef[] = []
  let large = 0
  for (const line of checked.split('\n')) {
    const [sha, type, size] = line.split(' ')
    if (type !== 'blob') continue
    if (Number(size) > maxSize) large++
    else blobs.push({ sha: sha!, path: pathOf.get(sha!)!, size: Number(size) })
  }
  return { blobs, large }
}

/** Stream the blobs' contents through `each`, in order, with one `git cat-file --batch`. */
export function readBlobs(
  cwd: string,
  blobs: readonly BlobRef[],
  each: (blob: BlobRef, data: Buffer) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'ignore'] })
    let pending: Buffer = Buffer.alloc(0)
    let index = 0
    child.stdout.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      for (;;) {
        const blob = blobs[index]
        if (!blob) return
        const headerEnd = pending.indexOf(0x0a)
        if (headerEnd === -1) return
        const size = Number(pending.toString('latin1', 0, headerEnd).split(' ')[2])
        if (pending.length < headerEnd + 1 + size + 1) return
        each(blob, pending.subarray(headerEnd + 1, headerEnd + 1 + size))
        pending = pending.subarray(headerEnd + 1 + size + 1)
        index++
      }
    })
    child.on('error', reject)
    child.on('close', () =>
      index === blobs.length ? resolve() : reject(new Error('git cat-file ended early')),
    )
    child.stdin.end(blobs.map((b) => b.sha).join('\n') + (blobs.length > 0 ? '\n' : ''))
  })
}

export interface Introduced {
  readonly commit: string
  readonly author: string
  readonly date: string
}

/** The oldest commit that added this blob. */
export function introducedBy(cwd: string, sha: string): Introduced | undefined {
  const out = git(cwd, [
    'log',
    '--all',
    '--reverse',
    '--format=%H%x09%an <%ae>%x09%aI',
    `--find-object=${sha}`,
  ])
  const [commit, author, date] = (out.split('\n')[0] ?? '').split('\t')
  return commit ? { commit, author: author ?? '', date: date ?? '' } : undefined
}

export interface StagedFile {
  readonly path: string
  /** the added lines, joined by \n */
  readonly data: Buffer
  /** the line number in the new file of each line of `data` */
  readonly lines: number[]
}

/** The lines `git commit` would add, per file (binary files are left out). */
export function stagedAdditions(cwd: string): StagedFile[] {
  const diff = git(cwd, [
    'diff',
    '--cached',
    '-U0',
    '--no-color',
    '--no-ext-diff',
    '--no-renames',
    '--diff-filter=ACM',
  ])
  const files: StagedFile[] = []
  let current: { path: string; text: string[]; lines: number[] } | undefined
  let next = 0
  const flush = () => {
    if (current && current.text.length > 0)
      files.push({ path: current.path, data: Buffer.from(current.text.join('\n')), lines: current.lines })
  }
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      flush()
      const path = line.slice(4)
      current =
        path === '/dev/null'
          ? undefined
          : { path: path.replace(/^"?b\//, '').replace(/"$/, ''), text: [], lines: [] }
    } else if (line.startsWith('@@')) {
      next = Number(/\+(\d+)/.exec(line)?.[1] ?? 0)
    } else if (current && line.startsWith('+')) {
      current.text.push(line.slice(1))
      current.lines.push(next++)
    }
  }
  flush()
  return files
}
