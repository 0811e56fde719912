/**
 * `.hush/runtime.json`: what the runtime library and `hush run` need to know
 * about a project — environments' local stores, env names, key-ring entries —
 * so that neither has to parse hush.yaml (no yaml, no zod on their path).
 * Every hush command that loads the manifest refreshes it.
 */
import { readFileSync, statSync } from 'node:fs'
import { utimes } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { readIfExists, writeFileAtomic } from './fs-safe.js'
import { findManifest } from './manifest-path.js'

export interface RuntimeIndex {
  readonly version: 1
  /** local stores, paths relative to the project root */
  readonly environments: Record<string, { readonly store: string; readonly path?: string }>
  /** secret → env name, store entries, and the environments that require it */
  readonly secrets: Record<
    string,
    {
      readonly env: string
      readonly entries: readonly string[]
      readonly required: 'all' | readonly string[]
    }
  >
}

export const INDEX_PATH = join('.hush', 'runtime.json')

/** Write the index when its content changed. */
export async function writeRuntimeIndex(root: string, index: RuntimeIndex): Promise<void> {
  const path = join(root, INDEX_PATH)
  const text = `${JSON.stringify(index)}\n`
  if ((await readIfExists(path)) !== text) await writeFileAtomic(path, text)
  else await utimes(path, new Date(), new Date()) // hush.yaml was touched: the index is current again
}

export interface FoundIndex {
  readonly root: string
  readonly index: RuntimeIndex | undefined
  /** hush.yaml changed after the index was written */
  readonly stale: boolean
}

/** The nearest project above `cwd` and its index (undefined when no hush command has run there yet). */
export function findRuntimeIndex(cwd: string): FoundIndex | undefined {
  const manifest = findManifest(cwd)
  if (!manifest) return undefined
  const root = dirname(manifest)
  const path = join(root, INDEX_PATH)
  try {
    const index = JSON.parse(readFileSync(path, 'utf8')) as RuntimeIndex
    return { root, index, stale: statSync(manifest).mtimeMs > statSync(path).mtimeMs }
  } catch {
    return { root, index: undefined, stale: true }
  }
}
