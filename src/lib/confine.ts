/**
 * Where a manifest may make hush write. A hush.yaml can come from someone else, so a store path
 * must resolve (symlinks included) inside the project, outside `.git/` and `.hush/`, and not onto
 * the manifest; only the person at the keyboard can widen that (`--allow-outside-project`).
 */
import { realpathSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { HushError, ioError } from './errors.js'
import { MANIFEST_FILE } from './manifest-path.js'

/** Directories hush never writes into for a store, at any depth. */
const FORBIDDEN_DIRS = new Set(['.git', '.hush'])

/** `path` with its symlinks resolved as far as it exists; the missing rest is appended as written. */
export function realPathOf(path: string): string {
  const missing: string[] = []
  let current = resolve(path)
  for (;;) {
    try {
      return join(realpathSync(current), ...missing.reverse())
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw ioError('resolve', path, err)
    }
    const parent = dirname(current)
    if (parent === current) return resolve(path)
    missing.push(basename(current))
    current = parent
  }
}

/** True when a path relative to a root climbs out of it. */
function escapes(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)
}

/** True when `path` resolves (symlinks included) inside `root` or to `root` itself. */
export function isInside(root: string, path: string): boolean {
  return !escapes(relative(realPathOf(root), realPathOf(path)))
}

function unsafe(message: string, hint: string): HushError {
  return new HushError('HUSH_E_UNSAFE_PATH', message, { hint })
}

/**
 * Refuse a store path (`what`: "environments.production.path") that resolves outside `root`
 * (unless `allowOutside`), into a `.git` or `.hush` directory, onto the manifest or onto the
 * project directory itself.
 */
export function assertConfined(root: string, path: string, what: string, allowOutside = false): void {
  const realRoot = realPathOf(root)
  const real = realPathOf(path)
  const rel = relative(realRoot, real)
  const parts = rel.split(sep)
  const keepInside = `point ${what} at a path inside the project (relative to ${MANIFEST_FILE})`
  if (parts.some((p) => FORBIDDEN_DIRS.has(p)))
    throw unsafe(
      `${what} (${path}) is inside a ${parts.find((p) => FORBIDDEN_DIRS.has(p))}/ directory`,
      keepInside,
    )
  if (rel === '') throw unsafe(`${what} (${path}) is the project directory itself`, keepInside)
  if (real === join(realRoot, MANIFEST_FILE)) throw unsafe(`${what} (${path}) is the manifest`, keepInside)
  if (escapes(rel) && !allowOutside)
    throw unsafe(
      `${what} (${path}) resolves outside the project, to ${real}`,
      `${keepInside}; if you mean it, pass --allow-outside-project on the command line (hush.yaml cannot)`,
    )
}
