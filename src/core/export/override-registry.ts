/**
 * The compose overrides `hush export compose` wrote, remembered in `.hush/overrides.json` (0600 in
 * the 0700 state directory) so that push and rotation can rewrite them: each one's path, relative to
 * the project root and inside it, and the environment it was written for.
 */
import { join, resolve } from 'node:path'
import { HushError } from '../../lib/errors.js'
import { ensurePrivateDir, readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'
import type { Project } from '../project.js'

/** One override hush wrote: `path` relative to the project root, for environment `env`. */
export interface OverrideRecord {
  readonly path: string
  readonly env: string
}

const FILE = 'overrides.json'

function corrupt(path: string, why: string): HushError {
  return new HushError('HUSH_E_STORE_CORRUPT', `${path} ${why}`, {
    hint: `delete it and rerun hush export compose -e ENV -o FILE for each override hush should keep current`,
  })
}

function isRecord(r: unknown): r is OverrideRecord {
  const o = r as Partial<OverrideRecord> | null
  return typeof o?.path === 'string' && o.path !== '' && typeof o.env === 'string' && o.env !== ''
}

/** Every override hush remembers, of every environment. */
export async function recordedOverrides(project: Project): Promise<OverrideRecord[]> {
  const path = join(project.stateDir, FILE)
  const text = await readIfExists(path)
  if (text === undefined) return []
  let doc: { overrides?: unknown }
  try {
    doc = JSON.parse(text)
  } catch {
    throw corrupt(path, 'is not valid JSON')
  }
  const list = doc?.overrides
  if (!Array.isArray(list) || !list.every(isRecord)) throw corrupt(path, 'does not list {path, env} records')
  return list.map((r) => ({ path: r.path, env: r.env }))
}

/** Replace the list of remembered overrides (atomically, 0600). */
export async function saveOverrides(project: Project, records: readonly OverrideRecord[]): Promise<void> {
  await ensurePrivateDir(project.stateDir)
  const doc = { version: 1, overrides: [...records].sort((a, b) => a.path.localeCompare(b.path)) }
  await writeFileAtomic(join(project.stateDir, FILE), `${JSON.stringify(doc, null, 2)}\n`)
}

/** The absolute path of a remembered override. */
export function overridePath(project: Project, record: OverrideRecord): string {
  return resolve(project.manifest.root, record.path)
}
