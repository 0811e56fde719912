/**
 * The anchor of a project's audit log: its last acknowledged entry (seq, MAC, byte size) kept outside
 * the project, in `<user config>/audit/<id>.json` where id names the project's real path. Someone who
 * can write the project but not the user's config directory cannot delete or cut the log unseen.
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { HushError } from '../../lib/errors.js'
import { ensurePrivateDir, readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'
import { userConfigDir } from '../../lib/user-config.js'

type Env = Readonly<Record<string, string | undefined>>

export interface Anchor {
  readonly version: 1
  /** the project's real path, which names the file */
  readonly root: string
  readonly seq: number
  readonly mac: string
  /** bytes of the log up to and including the anchored entry's line */
  readonly size: number
  /** the audit key that wrote the anchored entry */
  readonly kid: string
}

/** The project root as the anchor names it: its real path (a symlinked checkout is one project). */
export async function anchorRoot(root: string): Promise<string> {
  return fs.realpath(root).catch(() => root)
}

export function anchorFile(env: Env, root: string): string {
  const id = createHash('sha256').update(root).digest('hex').slice(0, 32)
  return join(userConfigDir(env), 'audit', `${id}.json`)
}

function corrupt(file: string, why: string): HushError {
  return new HushError('HUSH_E_AUDIT_BROKEN', `the audit anchor ${file} ${why}`, {
    hint: 'restore it from a backup; to start over deliberately, move .hush/audit.jsonl aside and delete the anchor',
  })
}

export async function readAnchor(file: string, root: string): Promise<Anchor | undefined> {
  const text = await readIfExists(file)
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw corrupt(file, 'is not valid JSON')
  }
  const a = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const shaped =
    a.version === 1 &&
    typeof a.root === 'string' &&
    Number.isSafeInteger(a.seq) &&
    (a.seq as number) > 0 &&
    typeof a.mac === 'string' &&
    /^[0-9a-f]{64}$/.test(a.mac) &&
    Number.isSafeInteger(a.size) &&
    (a.size as number) > 0 &&
    typeof a.kid === 'string'
  if (!shaped) throw corrupt(file, 'is not an audit anchor')
  if (a.root !== root) throw corrupt(file, `belongs to ${String(a.root)}, not ${root}`)
  return a as unknown as Anchor
}

export async function writeAnchor(file: string, anchor: Anchor): Promise<void> {
  await ensurePrivateDir(join(file, '..'))
  await writeFileAtomic(file, `${JSON.stringify(anchor)}\n`)
}
