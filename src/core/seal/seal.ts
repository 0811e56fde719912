/**
 * `hush seal` / `hush unseal`: an environment's secrets as one age-encrypted,
 * signed bundle for git or backups, and back. Unseal decrypts and verifies
 * everything before it writes (signer, project, dates, rollback, hush.yaml's
 * rules), shows the plan by fingerprint, and writes the store in one writeMany;
 * a wrong key, a truncated, tampered, forged or replayed file writes nothing.
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
import type { AuditEvent } from '../audit/log.js'
import { membersOf } from '../manifest/members.js'
import type { Project } from '../project.js'
import { planUnseal, type UnsealRow } from './plan.js'
import { assertTrusted, rollbackError, type TrustOptions } from './trust.js'

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
  if (options.passphrase === '')
    throw new HushError('HUSH_E_INPUT', 'an empty passphrase protects nothing', {
      hint: 'use a long passphrase, or age recipients (hush keygen)',
    })
  const unsigned = await bundleOf(project)
  const bundle = signingKey ? signBundle(unsigned, signingKey) : unsigned
  return { bytes: await encrypt(renderBundle(bundle), options), bundle }
}

export async function openBundle(file: Uint8Array, where: string, options: DecryptOptions): Promise<Bundle> {
  return parseBundle(await decrypt(file, where, options), where)
}

export type { UnsealAction, UnsealRow } from './plan.js'

export interface UnsealResult {
  readonly env: string
  readonly source: { project: string; env: string; sealedAt: string; signer?: string }
  readonly dryRun: boolean
  readonly rows: UnsealRow[]
  readonly written: number
  /** why the bundle was accepted although no listed signer signed it (--allow-unsigned) */
  readonly note?: string
}

export interface UnsealOptions extends TrustOptions {
  readonly dryRun?: boolean
  /** the file, for messages */
  readonly where?: string
}

/**
 * Check the bundle (signer, project, dates), plan it against the store and hush.yaml (rollback,
 * pattern, fixed, derived, key rings) and write it in one writeMany, audited. Any refusal writes
 * nothing. Plan and write happen under the project's lock, so nothing changes in between.
 */
export async function unseal(
  project: Project,
  bundle: Bundle,
  options: UnsealOptions = {},
): Promise<UnsealResult> {
  const where = options.where ?? 'the bundle'
  const trust = assertTrusted(project, bundle, where, options)
  const env = project.environment.name
  const apply = async () => {
    const plan = await planUnseal(project, bundle)
    if (plan.violations.length > 0)
      throw new HushError(
        'HUSH_E_SEAL_INVALID',
        `${where} holds ${plan.violations.length} value(s) that hush.yaml forbids in ${env}`,
        {
          hint: 'nothing was written; seal it again from an environment that matches this hush.yaml (hush check there first)',
          items: plan.violations,
        },
      )
    if (plan.rollbacks.length > 0 && !options.allowRollback) throw rollbackError(where, env, plan.rollbacks)
    if (options.dryRun || plan.writes.length === 0) return plan
    const at = project.world.now().toISOString()
    // the audit says what was overridden (an unlisted or missing signer, an older value), before the write
    const older = new Set(plan.rollbacks.map((r) => r.entry))
    const events: AuditEvent[] = plan.writes.map((w) => ({
      action: 'set',
      secret: w.name,
      env,
      fp: w.meta.fingerprint,
      detail: `unseal${trust.signer ? '' : ' --allow-unsigned'}${older.has(w.name) ? ' --allow-rollback' : ''}`,
    }))
    await project.audit.recorded(events, project.actor, at, () => project.store.writeMany(plan.writes))
    return plan
  }
  const plan = options.dryRun ? await apply() : await project.locked(apply)
  return {
    env,
    source: {
      project: bundle.project,
      env: bundle.env,
      sealedAt: bundle.sealedAt,
      ...(trust.signer ? { signer: trust.signer } : {}),
    },
    dryRun: options.dryRun === true,
    rows: plan.rows,
    written: options.dryRun ? 0 : plan.writes.length,
    ...(trust.note ? { note: trust.note } : {}),
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
