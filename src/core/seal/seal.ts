/**
 * `hush seal` / `hush unseal`: an environment's secrets as one age-encrypted
 * bundle for git or backups, and back. Unseal decrypts and verifies everything
 * before it writes, shows the plan by fingerprint, and writes the store in one
 * writeMany; a wrong key, a truncated or a tampered file writes nothing.
 */

import { type DecryptOptions, decrypt, type EncryptOptions, encrypt } from '../../lib/age.js'
import { mapLimit } from '../../lib/concurrency.js'
import { HushError } from '../../lib/errors.js'
import {
  type Bundle,
  type BundleEntry,
  parseBundle,
  renderBundle,
  signBundle,
} from '../../lib/sealed-bundle.js'
import type { SigningKey } from '../../lib/signing.js'
import type { WriteEntry } from '../../stores/types.js'
import type { AuditEvent } from '../audit/log.js'
import { membersOf } from '../manifest/members.js'
import { ownerOfEntry } from '../manifest/rules.js'
import type { Project } from '../project.js'

/** Every entry the environment holds, with its metadata (public halves and fixed values included). */
export async function bundleOf(project: Project): Promise<Bundle> {
  const listed = new Map((await project.store.list()).map((s) => [s.name, s]))
  const names = project.manifest.secrets.flatMap((s) => membersOf(s).map((m) => m.name))
  const values = await mapLimit(names, 64, (n) => project.store.read(n))
  const entries: BundleEntry[] = []
  names.forEach((name, i) => {
    const value = values[i]
    if (value === undefined) return
    const meta = listed.get(name)
    entries.push({
      name,
      value,
      fingerprint: project.fingerprint(value),
      ...(meta ? { version: meta.version, updatedAt: meta.updatedAt } : {}),
    })
  })
  return {
    project: project.manifest.project,
    env: project.environment.name,
    sealedAt: project.world.now().toISOString(),
    entries,
  }
}

/** The environment's bundle, signed with `signingKey` when there is one, encrypted to the recipients. */
export async function seal(
  project: Project,
  options: EncryptOptions,
  signingKey?: SigningKey,
): Promise<{ bytes: Uint8Array; bundle: Bundle }> {
  if (options.recipients.length === 0 && options.passphrase === undefined)
    throw new HushError('HUSH_E_USAGE', 'no recipients to seal for', {
      hint: 'pass -r age1… or -R FILE, list seal.recipients in hush.yaml, or use --passphrase; hush keygen makes a key',
    })
  const unsigned = await bundleOf(project)
  const bundle = signingKey ? signBundle(unsigned, signingKey) : unsigned
  return { bytes: await encrypt(renderBundle(bundle), options), bundle }
}

export async function openBundle(file: Uint8Array, where: string, options: DecryptOptions): Promise<Bundle> {
  return parseBundle(await decrypt(file, where, options), where)
}

export type UnsealAction = '+' | '~' | '=' | 'unknown'

export interface UnsealRow {
  readonly entry: string
  readonly action: UnsealAction
  readonly from?: string
  readonly to: string
}

export interface UnsealResult {
  readonly env: string
  readonly source: { project: string; env: string; sealedAt: string }
  readonly dryRun: boolean
  readonly rows: UnsealRow[]
  readonly written: number
}

/** Plan by fingerprint (+ new, ~ changed, = same; entries hush.yaml does not declare are left out) and apply. */
export async function unseal(
  project: Project,
  bundle: Bundle,
  options: { dryRun?: boolean } = {},
): Promise<UnsealResult> {
  const { manifest, store, fingerprint } = project
  const declared = (name: string) => manifest.byName.has(name) || ownerOfEntry(manifest, name) !== undefined
  const rows: UnsealRow[] = []
  const writes: WriteEntry[] = []
  const at = project.world.now().toISOString()
  for (const e of bundle.entries) {
    const to = fingerprint(e.value)
    if (!declared(e.name)) {
      rows.push({ entry: e.name, action: 'unknown', to })
      continue
    }
    const current = await store.read(e.name)
    const from = current === undefined ? undefined : fingerprint(current)
    const action: UnsealAction = current === undefined ? '+' : current === e.value ? '=' : '~'
    rows.push({ entry: e.name, action, to, ...(from ? { from } : {}) })
    if (action !== '=')
      writes.push({
        name: e.name,
        value: e.value,
        meta: { fingerprint: to, source: 'provided' as const, at, rotated: action === '~' },
      })
  }
  if (!options.dryRun && writes.length > 0)
    await project.locked(async () => {
      await store.writeMany(writes)
      const events: AuditEvent[] = writes.map((w) => ({
        action: 'set',
        secret: w.name,
        env: project.environment.name,
        fp: w.meta.fingerprint,
        detail: 'unseal',
      }))
      await project.audit.append(events, project.actor, at)
    })
  return {
    env: project.environment.name,
    source: { project: bundle.project, env: bundle.env, sealedAt: bundle.sealedAt },
    dryRun: options.dryRun === true,
    rows,
    written: options.dryRun ? 0 : writes.length,
  }
}

/**
 * Three-way merge by secret (the git merge driver): a side that left an entry
 * as it was in the base takes the other side's change. Both sides changing one
 * entry differently is a conflict: the result keeps ours and names it.
 */
export function mergeBundles(
  base: Bundle,
  ours: Bundle,
  theirs: Bundle,
): { merged: Bundle; conflicts: string[] } {
  const map = (b: Bundle) => new Map(b.entries.map((e) => [e.name, e]))
  const [o, a, t] = [map(base), map(ours), map(theirs)]
  const names = [...new Set([...o.keys(), ...a.keys(), ...t.keys()])].sort()
  const entries: BundleEntry[] = []
  const conflicts: string[] = []
  const same = (x?: BundleEntry, y?: BundleEntry) => x?.value === y?.value
  for (const name of names) {
    const [b, x, y] = [o.get(name), a.get(name), t.get(name)]
    let pick: BundleEntry | undefined
    if (same(x, y)) pick = x
    else if (same(b, x)) pick = y
    else if (same(b, y)) pick = x
    else {
      conflicts.push(name)
      pick = x
    }
    if (pick) entries.push(pick)
  }
  // new content: ours' signature does not cover it (the merge driver signs it again)
  return { merged: { project: ours.project, env: ours.env, sealedAt: ours.sealedAt, entries }, conflicts }
}
