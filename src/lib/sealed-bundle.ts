/**
 * The sealed bundle's plaintext: a YAML document a person can read after
 * `age -d` (name, value, version, fingerprint per secret), with a digest over
 * names and values that unseal checks before it writes anything, and the
 * sealer's Ed25519 signature over the whole document (header and every entry).
 */
import { createHash } from 'node:crypto'
import { parse, stringify } from 'yaml'
import { HushError } from './errors.js'
import { assertMemberName } from './names.js'
import { type SigningKey, signBytes, verifyBytes } from './signing.js'

export interface BundleEntry {
  readonly name: string
  readonly value: string
  readonly version?: number
  readonly fingerprint?: string
  readonly updatedAt?: string
  readonly createdAt?: string
  readonly rotatedAt?: string
  readonly source?: string
}

export interface Bundle {
  readonly project: string
  readonly env: string
  readonly sealedAt: string
  readonly entries: readonly BundleEntry[]
  /** the sealer's public key (`hush-ed25519:…`) and signature, when it was signed */
  readonly signer?: string
  readonly signature?: string
}

const byName = (a: BundleEntry, b: BundleEntry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/**
 * The bytes a signature covers: the header (project, env, sealed_at, signer) and every entry with
 * all its fields, as canonical JSON, so re-rendering the YAML (update-recipients) keeps it valid.
 */
export function signedMessage(bundle: Bundle, signer: string): Buffer {
  const entries = [...bundle.entries]
    .sort(byName)
    .map((e) => [
      e.name,
      e.value,
      e.version ?? null,
      e.fingerprint ?? null,
      e.createdAt ?? null,
      e.updatedAt ?? null,
      e.rotatedAt ?? null,
      e.source ?? null,
    ])
  const header = [1, bundle.project, bundle.env, bundle.sealedAt, signer]
  return Buffer.from(`hush sealed bundle\n${JSON.stringify([header, entries])}`, 'utf8')
}

/** The bundle signed with `key` (an earlier signature is replaced). */
export function signBundle(bundle: Bundle, key: SigningKey): Bundle {
  const { signer } = key
  return { ...bundle, signer, signature: signBytes(key, signedMessage(bundle, signer)) }
}

/** `unsigned`, `valid` (the signature is its `signer`'s over this content) or `invalid`. */
export function signatureState(bundle: Bundle): 'unsigned' | 'valid' | 'invalid' {
  if (bundle.signer === undefined && bundle.signature === undefined) return 'unsigned'
  if (bundle.signer === undefined || bundle.signature === undefined) return 'invalid'
  return verifyBytes(bundle.signer, signedMessage(bundle, bundle.signer), bundle.signature)
    ? 'valid'
    : 'invalid'
}

export function digestOf(entries: readonly BundleEntry[]): string {
  const h = createHash('sha256')
  for (const e of [...entries].sort((a, b) => a.name.localeCompare(b.name)))
    h.update(`${e.name}\0${e.value}\0`)
  return `sha256:${h.digest('hex')}`
}

export function renderBundle(bundle: Bundle): string {
  const doc = {
    hush: 1,
    project: bundle.project,
    env: bundle.env,
    sealed_at: bundle.sealedAt,
    digest: digestOf(bundle.entries),
    ...(bundle.signer !== undefined ? { signer: bundle.signer } : {}),
    ...(bundle.signature !== undefined ? { signature: bundle.signature } : {}),
    secrets: [...bundle.entries]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => ({
        name: e.name,
        value: e.value,
        ...(e.version !== undefined ? { version: e.version } : {}),
        ...(e.fingerprint ? { fingerprint: e.fingerprint } : {}),
        ...(e.createdAt ? { created_at: e.createdAt } : {}),
        ...(e.updatedAt ? { updated_at: e.updatedAt } : {}),
        ...(e.rotatedAt ? { rotated_at: e.rotatedAt } : {}),
        ...(e.source ? { source: e.source } : {}),
      })),
  }
  return `# hush sealed bundle: the secrets of ${bundle.project} / ${bundle.env}. Keep it encrypted.\n${stringify(doc, { lineWidth: 0 })}`
}

/** Parse and verify a decrypted bundle; a malformed one or a digest mismatch is HUSH_E_SEAL. */
export function parseBundle(text: string, where: string): Bundle {
  const bad = (why: string) =>
    new HushError('HUSH_E_SEAL', `${where} does not hold a valid hush bundle (${why})`, {
      hint: 'nothing was written; was it sealed by hush seal?',
    })
  let doc: {
    hush?: unknown
    project?: unknown
    env?: unknown
    sealed_at?: unknown
    digest?: unknown
    signer?: unknown
    signature?: unknown
    secrets?: unknown
  }
  try {
    doc = parse(text, { uniqueKeys: true }) ?? {}
  } catch {
    throw bad('not YAML')
  }
  if (doc.hush !== 1 || typeof doc.env !== 'string' || !Array.isArray(doc.secrets))
    throw bad('no hush: 1 header')
  const entries: BundleEntry[] = []
  for (const raw of doc.secrets as Record<string, unknown>[]) {
    if (typeof raw?.name !== 'string' || typeof raw.value !== 'string')
      throw bad('an entry without name or value')
    try {
      assertMemberName(raw.name)
    } catch {
      throw bad(`an unsafe name ${JSON.stringify(raw.name)}`)
    }
    if (entries.some((e) => e.name === raw.name)) throw bad(`${raw.name} twice`)
    entries.push({
      name: raw.name,
      value: raw.value,
      ...(typeof raw.version === 'number' ? { version: raw.version } : {}),
      ...(typeof raw.fingerprint === 'string' ? { fingerprint: raw.fingerprint } : {}),
      ...(typeof raw.updated_at === 'string' ? { updatedAt: raw.updated_at } : {}),
      ...(typeof raw.created_at === 'string' ? { createdAt: raw.created_at } : {}),
      ...(typeof raw.rotated_at === 'string' ? { rotatedAt: raw.rotated_at } : {}),
      ...(typeof raw.source === 'string' ? { source: raw.source } : {}),
    })
  }
  if (doc.digest !== digestOf(entries)) throw bad('its digest does not match its contents')
  return {
    project: String(doc.project ?? ''),
    env: doc.env,
    sealedAt: String(doc.sealed_at ?? ''),
    entries,
    ...(doc.signer !== undefined ? { signer: String(doc.signer) } : {}),
    ...(doc.signature !== undefined ? { signature: String(doc.signature) } : {}),
  }
}
