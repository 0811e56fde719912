/** The few git questions hush asks, through the real git CLI. */
import { execFile } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import { HushError } from './errors.js'

function git(cwd: string, args: string[], input?: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0
      resolve({ code, stdout })
    })
    if (input !== undefined) child.stdin?.end(input)
  })
}

/** The work tree containing `path` (or its nearest existing parent), or undefined outside git. */
export async function gitRoot(path: string): Promise<string | undefined> {
  let dir = path
  while (!(existsSync(dir) && statSync(dir).isDirectory()) && dirname(dir) !== dir) dir = dirname(dir)
  const { code, stdout } = await git(dir, ['rev-parse', '--show-toplevel'])
  return code === 0 ? stdout.trim() : undefined
}

/** Which of `paths` (absolute, inside `root`) git tracks. */
export async function trackedPaths(root: string, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set()
  const rel = new Map(paths.map((p) => [relative(root, p), p]))
  // ls-files takes no pathspec file: ask for the few directories the paths live in
  const dirs = [...new Set([...rel.keys()].map((p) => dirname(p)))]
  const { code, stdout } = await git(root, ['ls-files', '-z', '--full-name', '--', ...dirs])
  if (code !== 0)
    throw new HushError('HUSH_E_IO', `git ls-files failed in ${root}`, {
      hint: 'run git status there to see why',
    })
  return new Set(
    stdout
      .split('\0')
      .filter((p) => rel.has(p))
      .map((p) => rel.get(p)!),
  )
}

/** Which of `paths` (absolute, inside `root`) git ignores. */
export async function ignoredPaths(root: string, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set()
  const rel = new Map(paths.map((p) => [relative(root, p), p]))
  const { stdout } = await git(root, ['check-ignore', '-z', '--stdin'], `${[...rel.keys()].join('\0')}\0`)
  return new Set(
    stdout
      .split('\0')
      .filter((p) => rel.has(p))
      .map((p) => rel.get(p)!),
  )
}
