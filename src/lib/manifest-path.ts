/** Where a project's hush.yaml is: the nearest one walking up from a directory. Dependency-free, for the runtime too. */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

export const MANIFEST_FILE = 'hush.yaml'

/** Walk up from `dir` to the nearest directory holding hush.yaml. */
export function findManifest(dir: string): string | undefined {
  let current = resolve(dir)
  for (;;) {
    const candidate = join(current, MANIFEST_FILE)
    if (existsSync(candidate)) return candidate
    const parent = dirname(current)
    if (parent === current) return undefined
    current = parent
  }
}
