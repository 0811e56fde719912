/** Rules about the files behind a local store: mode, owner, git. */
import { lstatSync, type Stats } from 'node:fs'
import { gitRoot, ignoredPaths, trackedPaths } from '../../lib/git.js'
import type { BackingPath } from '../../stores/types.js'
import type { FindingCode } from './types.js'

export interface FileProblem {
  readonly code: FindingCode
  readonly path: string
  readonly name?: string
  readonly message: string
  readonly hint: string
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path) // tiny metadata calls: synchronous is several times faster than the thread pool
  } catch {
    return undefined
  }
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0')

export async function permissionProblems(paths: readonly BackingPath[]): Promise<FileProblem[]> {
  const uid = process.getuid?.()
  const problems: FileProblem[] = []
  for (const p of paths) {
    const st = statOrUndefined(p.path)
    if (!st) continue
    const base = { path: p.path, ...(p.name ? { name: p.name } : {}) }
    const kindOk = p.type === 'dir' ? st.isDirectory() : st.isFile()
    if (!kindOk) {
      // never suggest chmod here: it would change the link's target
      problems.push({
        ...base,
        code: 'unsafe-file',
        message: `${p.path} is ${st.isSymbolicLink() ? 'a symlink' : `not a regular ${p.type === 'dir' ? 'directory' : 'file'}`}; hush does not read values through it`,
        hint: `replace it with a regular ${p.type === 'dir' ? 'directory' : 'file'}: rm ${p.path}, then hush gen or hush set`,
      })
      continue
    }
    const wanted = p.type === 'dir' ? 0o700 : 0o600
    // stricter is fine (0400); anything for group or others, or execute on a file, is not
    const extra = p.type === 'dir' ? st.mode & 0o077 : st.mode & 0o177
    if (extra !== 0)
      problems.push({
        ...base,
        code: 'permissions',
        message: `${p.path} has mode ${octal(st.mode)}, expected ${octal(wanted)}`,
        hint: `chmod ${octal(wanted).slice(1)} ${p.path}`,
      })
    if (uid !== undefined && st.uid !== uid)
      problems.push({
        ...base,
        code: 'permissions',
        message: `${p.path} is owned by uid ${st.uid}, not by you (uid ${uid})`,
        hint: `chown ${uid} ${p.path}`,
      })
  }
  return problems
}

export async function gitProblems(paths: readonly BackingPath[]): Promise<FileProblem[]> {
  const files = paths.filter((p) => p.type === 'file')
  if (files.length === 0) return []
  const root = await gitRoot(files[0]!.path)
  if (!root) return []
  const filePaths = files.map((f) => f.path)
  const [tracked, ignored] = await Promise.all([trackedPaths(root, filePaths), ignoredPaths(root, filePaths)])
  const problems: FileProblem[] = []
  for (const f of files) {
    const base = { path: f.path, ...(f.name ? { name: f.name } : {}) }
    if (tracked.has(f.path))
      problems.push({
        ...base,
        code: 'tracked',
        message: `${f.path} is tracked by git`,
        hint: `git rm --cached ${f.path}, add it to .gitignore, and rotate it: it is in the history`,
      })
    else if (!ignored.has(f.path))
      problems.push({
        ...base,
        code: 'not-ignored',
        message: `${f.path} is not ignored by git`,
        hint: 'add the store directory to .gitignore (hush init does it)',
      })
  }
  return problems
}
