/**
 * Exports that write values into a git work tree keep them out of git: before any value is written,
 * the files are git-ignored (lines appended to the project's .gitignore when no rule covers them
 * yet), or the export refuses — a file git already tracks would be committed with its values, and a
 * work tree outside the project is not hush's to edit. Once ignored, `hush scan` (which reads git's
 * view of the tree) skips them too.
 */
import { promises as fs } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { isInside } from '../../lib/confine.js'
import { HushError } from '../../lib/errors.js'
import { writeFileAtomic } from '../../lib/fs-safe.js'
import { gitRoot, ignoredPaths, trackedPaths } from '../../lib/git.js'

/**
 * Make sure git ignores `files` (absolute paths that will hold values). `rules` are the lines to add
 * to the project's .gitignore when some are not ignored (`rel` gives a path relative to the project,
 * `/`-anchored). Returns the lines added and the file; nothing outside a work tree.
 */
export async function keepOutOfGit(
  project: string,
  files: readonly string[],
  rules: (rel: (path: string) => string) => string[],
): Promise<{ gitignore: string; added: string[] } | undefined> {
  const root = files.length > 0 ? await gitRoot(files[0]!) : undefined
  if (!root) return undefined
  const rel = (path: string) => `/${relative(project, path).split(sep).join('/')}`
  const tracked = await trackedPaths(root, files)
  if (tracked.size > 0) {
    const first = relative(root, [...tracked][0]!)
    throw new HushError(
      'HUSH_E_UNSAFE_PATH',
      `${first} is tracked by git: the values written there would be committed`,
      {
        hint: `choose another -o, or stop tracking it first: git rm --cached ${first}`,
      },
    )
  }
  const ignored = await ignoredPaths(root, files)
  if (files.every((f) => ignored.has(f))) return undefined
  if (files.some((f) => !isInside(project, f)))
    throw new HushError(
      'HUSH_E_UNSAFE_PATH',
      `${files[0]} is in a git work tree outside the project, and git does not ignore it`,
      {
        hint: 'git-ignore it there first, or export into the project (hush adds it to .gitignore)',
      },
    )
  const gitignore = join(project, '.gitignore')
  const before = await fs.readFile(gitignore, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return ''
    throw err
  })
  const added = rules(rel).filter((line) => !before.split(/\r?\n/).includes(line))
  const separator = before === '' || before.endsWith('\n') ? '' : '\n'
  const text = `${before}${separator}# hush export: these hold secret values\n${added.join('\n')}\n`
  const mode = await fs.stat(gitignore).then(
    (s) => s.mode & 0o777,
    () => 0o644,
  )
  await writeFileAtomic(gitignore, text, { mode })
  return { gitignore, added }
}
