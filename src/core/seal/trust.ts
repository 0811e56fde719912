/**
 * Whether unseal may trust a bundle at all, before it looks at a value: signed by a key hush.yaml
 * lists under `seal.signers` (or `--allow-unsigned`), sealed for this project, not dated in the
 * future, and (per entry) not older than what the store holds (or `--allow-rollback`).
 */
import { HushError } from '../../lib/errors.js'
import { type Bundle, signatureState } from '../../lib/sealed-bundle.js'
import type { StoredSecret } from '../../stores/types.js'
import type { Project } from '../project.js'

/** How far a bundle's dates may run ahead of this machine's clock. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000

export interface TrustOptions {
  /** accept a bundle no listed signer signed (never from the manifest: a command-line flag) */
  readonly allowUnsigned?: boolean
  /** accept entries older than the store's */
  readonly allowRollback?: boolean
}

export interface Trust {
  /** the listed signer that signed it, or undefined when it was accepted with allowUnsigned */
  readonly signer?: string
  readonly note?: string
}

const short = (signer: string) => `${signer.slice(0, 22)}…`

function untrusted(message: string, hint: string): HushError {
  return new HushError('HUSH_E_SEAL_UNTRUSTED', message, { hint: `nothing was written; ${hint}` })
}

/** The signer, project and dates of a bundle, checked against hush.yaml and the clock. */
export function assertTrusted(project: Project, bundle: Bundle, where: string, options: TrustOptions): Trust {
  const { manifest } = project
  const state = signatureState(bundle)
  if (state === 'invalid')
    throw untrusted(
      `${where}: its signature does not verify (changed after it was signed, or a forgery)`,
      'restore the file from git or a backup, or ask the sealer to seal it again',
    )
  if (bundle.project !== manifest.project)
    throw untrusted(
      `${where} was sealed for project "${bundle.project || '(none)'}", not "${manifest.project}"`,
      `unseal it in a checkout of ${bundle.project || 'its project'}`,
    )
  assertNotFuture(project, bundle, where)
  const listed = state === 'valid' && manifest.sealSigners.includes(bundle.signer!)
  if (listed) return { signer: bundle.signer! }
  const why =
    state === 'unsigned'
      ? `${where} is not signed`
      : `${where} is signed by ${short(bundle.signer!)}, which seal.signers in ${manifest.file} does not list`
  if (options.allowUnsigned) return { note: `${why}: accepted (--allow-unsigned)` }
  throw untrusted(
    why,
    state === 'unsigned'
      ? 'ask a teammate whose key seal.signers lists to seal it again; to read a bundle sealed before hush signed bundles, check its plan with --dry-run --allow-unsigned, then pass --allow-unsigned'
      : 'if you trust that key, add it under seal.signers (hush keygen --signing prints yours), or pass --allow-unsigned once',
  )
}

function assertNotFuture(project: Project, bundle: Bundle, where: string): void {
  const limit = project.world.now().getTime() + CLOCK_SKEW_MS
  const sealedAt = Date.parse(bundle.sealedAt)
  if (Number.isNaN(sealedAt))
    throw untrusted(`${where} has no valid sealed_at date`, 'seal it again with hush seal')
  const late = [
    ...(sealedAt > limit ? [`sealed_at ${bundle.sealedAt}`] : []),
    ...bundle.entries
      .filter((e) => e.updatedAt !== undefined && Date.parse(e.updatedAt) > limit)
      .map((e) => `${e.name} updated_at ${e.updatedAt}`),
  ]
  if (late.length > 0)
    throw untrusted(
      `${where} is dated in the future (${late.slice(0, 3).join(', ')}${late.length > 3 ? ', …' : ''}; this machine's clock says ${project.world.now().toISOString()})`,
      "check this machine's clock and the sealer's, and seal it again",
    )
}

/** One entry whose bundle value is older than the store's, by version or by time. */
export interface Rollback {
  readonly entry: string
  readonly store: { version: number; updatedAt: string }
  readonly bundle: { version?: number; updatedAt: string }
}

/** The entry is older in the bundle than in the store: a lower version, or an earlier update time. */
export function rollbackOf(
  entry: string,
  stored: StoredSecret | undefined,
  bundle: { version?: number; updatedAt: string },
): Rollback | undefined {
  if (!stored) return undefined
  const olderVersion = bundle.version !== undefined && stored.version > bundle.version
  const storeTime = Date.parse(stored.updatedAt)
  const olderTime = !Number.isNaN(storeTime) && storeTime > Date.parse(bundle.updatedAt)
  if (!olderVersion && !olderTime) return undefined
  return { entry, store: { version: stored.version, updatedAt: stored.updatedAt }, bundle }
}

export function rollbackError(where: string, env: string, rollbacks: readonly Rollback[]): HushError {
  const v = (n: number | undefined) => (n === undefined ? 'v?' : `v${n}`)
  return new HushError(
    'HUSH_E_SEAL_ROLLBACK',
    `${where} is older than ${env} for ${rollbacks.length} entr${rollbacks.length === 1 ? 'y' : 'ies'}: unsealing it would bring back earlier values`,
    {
      hint: 'nothing was written; unseal a newer bundle, or pass --allow-rollback if going back is what you want (see the plan with --dry-run --allow-rollback)',
      items: rollbacks.map((r) => ({
        path: r.entry,
        message: `the store has ${v(r.store.version)} of ${r.store.updatedAt}, the bundle ${v(r.bundle.version)} of ${r.bundle.updatedAt}`,
      })),
    },
  )
}
