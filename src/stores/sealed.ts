/**
 * A store kept in one age-encrypted file that is safe to commit (`store: sealed`):
 * every read decrypts it with your identity, every write re-encrypts it to
 * hush.yaml's `seal.recipients` (signed with your signing key when you have one)
 * and replaces the file atomically.
 */
import { promises as fs } from 'node:fs'
import { decrypt, encrypt, findIdentities } from '../lib/age.js'
import { HushError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs-safe.js'
import { assertMemberName } from '../lib/names.js'
import { type Bundle, type BundleEntry, parseBundle, renderBundle, signBundle } from '../lib/sealed-bundle.js'
import { findSigningKey, type SigningKey } from '../lib/signing.js'
import { capabilities } from './capabilities.js'
import { text } from './settings.js'
import type { SecretValue, Store, StoreDescriptor, StoredSecret, WriteEntry, WriteMeta } from './types.js'

export interface SealedKeys {
  readonly recipients: readonly string[]
  readonly identities: readonly string[]
  readonly project: string
  readonly env: string
  readonly armor?: boolean
  /** your signing key, read when the file is written: a signed file is a bundle hush unseal trusts */
  readonly signingKey?: () => SigningKey | undefined
}

const CAPABILITIES = capabilities({})

export class SealedStore implements Store {
  readonly kind = 'sealed'
  readonly capabilities = CAPABILITIES
  private cache: { stamp: string; bundle: Bundle } | undefined

  constructor(
    readonly location: string,
    private readonly keys: SealedKeys,
  ) {}

  private async load(): Promise<Bundle> {
    let stat: { mtimeMs: number; size: number }
    try {
      stat = await fs.stat(this.location)
    } catch {
      return { project: this.keys.project, env: this.keys.env, sealedAt: '', entries: [] }
    }
    const stamp = `${stat.mtimeMs}:${stat.size}`
    if (this.cache?.stamp === stamp) return this.cache.bundle
    const text = await decrypt(await fs.readFile(this.location), this.location, {
      identities: this.keys.identities,
    })
    const bundle = parseBundle(text, this.location)
    this.cache = { stamp, bundle }
    return bundle
  }

  private async save(entries: readonly BundleEntry[], at: string): Promise<void> {
    if (this.keys.recipients.length === 0)
      throw new HushError('HUSH_E_USAGE', `no recipients to seal ${this.location} for`, {
        hint: 'list them under seal.recipients in hush.yaml (hush keygen prints yours)',
      })
    const unsigned: Bundle = { project: this.keys.project, env: this.keys.env, sealedAt: at, entries }
    const key = this.keys.signingKey?.()
    const bundle = key ? signBundle(unsigned, key) : unsigned
    const bytes = await encrypt(renderBundle(bundle), {
      recipients: this.keys.recipients,
      armor: this.keys.armor ?? true,
    })
    // encrypted and meant to be committed: readable like any source file
    await writeFileAtomic(this.location, bytes, { mode: 0o644 })
    this.cache = undefined
  }

  private toStored(e: BundleEntry): StoredSecret {
    return {
      name: e.name,
      version: e.version ?? 1,
      fingerprint: e.fingerprint ?? '',
      createdAt: e.createdAt ?? e.updatedAt ?? '',
      updatedAt: e.updatedAt ?? '',
      ...(e.rotatedAt ? { rotatedAt: e.rotatedAt } : {}),
      ...(e.source ? { source: e.source as StoredSecret['source'] } : {}),
    }
  }

  async list(): Promise<StoredSecret[]> {
    return (await this.load()).entries.map((e) => this.toStored(e))
  }

  async read(name: string): Promise<SecretValue | undefined> {
    assertMemberName(name)
    return (await this.load()).entries.find((e) => e.name === name)?.value
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    return (await this.writeMany([{ name, value, meta }]))[0]!
  }

  async writeMany(writes: readonly WriteEntry[]): Promise<StoredSecret[]> {
    for (const w of writes) assertMemberName(w.name)
    const entries = new Map((await this.load()).entries.map((e) => [e.name, e]))
    const out: BundleEntry[] = []
    let changed = false
    for (const { name, value, meta } of writes) {
      const old = entries.get(name)
      if (old?.value === value) {
        out.push(old)
        continue
      }
      changed = true
      const next: BundleEntry = {
        name,
        value,
        version: (old?.version ?? 0) + 1,
        fingerprint: meta.fingerprint,
        createdAt: old?.createdAt ?? meta.at,
        updatedAt: meta.at,
        source: meta.source,
        ...(meta.rotated ? { rotatedAt: meta.at } : old?.rotatedAt ? { rotatedAt: old.rotatedAt } : {}),
      }
      entries.set(name, next)
      out.push(next)
    }
    // sealed at the latest write's time (unseal writes keep the times values were made)
    const latest = writes.map((w) => w.meta.at).sort()[writes.length - 1]
    if (changed) await this.save([...entries.values()], latest ?? new Date().toISOString())
    return out.map((e) => this.toStored(e))
  }

  async remove(name: string): Promise<void> {
    assertMemberName(name)
    const bundle = await this.load()
    if (!bundle.entries.some((e) => e.name === name)) return
    await this.save(
      bundle.entries.filter((e) => e.name !== name),
      new Date().toISOString(),
    )
  }
}

export const sealedStore: StoreDescriptor = {
  kind: 'sealed',
  summary: 'one age-encrypted file, safe to commit; decrypted with your identity',
  settings: { path: text.describe('the sealed file (default <env>.hush.sealed)') },
  capabilities: CAPABILITIES,
  defaultPath: (env) => `${env}.hush.sealed`,
  open: (settings, context) =>
    new SealedStore(settings.path!, {
      recipients: context.sealRecipients,
      identities: findIdentities(context.processEnv),
      project: context.project,
      env: settings.name,
      signingKey: () => findSigningKey(context.processEnv),
    }),
}
