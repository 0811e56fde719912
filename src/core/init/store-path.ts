/** Which directory the compose files keep their secret files in: that is where hush's files store goes. */
import { basename, isAbsolute, relative } from 'node:path'

export interface SecretFile {
  /** the hush name of the secret */
  name: string
  /** as written in compose, for messages */
  raw: string
  /** absolute path */
  file: string
}

const posix = (path: string) => path.split('\\').join('/')

/**
 * The directory most secret files share, relative to `root` (posix), with a
 * warning for every file hush would not find there under the secret's name.
 */
export function chooseStorePath(
  root: string,
  files: SecretFile[],
): { storePath?: string; warnings: string[] } {
  const warnings: string[] = []
  const inside: (SecretFile & { dir: string })[] = []
  for (const f of files) {
    const rel = posix(relative(root, f.file))
    const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : ''
    if (rel === '' || rel === '..' || rel.startsWith('../') || isAbsolute(rel))
      warnings.push(
        `compose secret ${f.name} reads ${f.file}, outside the project; hush keeps its store inside it`,
      )
    else if (dir === '')
      warnings.push(
        `compose secret ${f.name} reads ${rel} at the project root; keep secret files in a directory of their own`,
      )
    else inside.push({ ...f, dir })
  }
  const counts = new Map<string, number>()
  for (const f of inside) counts.set(f.dir, (counts.get(f.dir) ?? 0) + 1)
  let storePath: string | undefined
  for (const [dir, n] of counts) if (storePath === undefined || n > counts.get(storePath)!) storePath = dir
  if (storePath === undefined) return { warnings }
  for (const f of inside) {
    const expected = `${storePath}/${f.name}`
    if (f.dir !== storePath)
      warnings.push(
        `compose secret ${f.name} reads ${f.dir}/${basename(f.file)}, but hush writes ${expected}; move it and update compose`,
      )
    else if (basename(f.file) !== f.name)
      warnings.push(
        `compose secret ${f.name} reads ${f.dir}/${basename(f.file)}, but hush writes ${expected}; rename it and update compose`,
      )
  }
  return { storePath, warnings }
}
