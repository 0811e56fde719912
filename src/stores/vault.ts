/**
 * HashiCorp Vault's KV version 2 engine over its HTTP API (no SDK: Vault's own
 * clients are plain HTTP). Each entry is `<mount>/data/<prefix>/<entry>` with
 * `{ value }`; hush's labels live in the path's custom_metadata (other keys
 * there are kept), with `hush_version` naming the version they describe.
 * Writes are check-and-set (`options.cas`) against the version read just
 * before, and a write whose value is already current creates no version, so an
 * interrupted push resumes without duplicating versions. The labels and the
 * value are two calls, labels first, naming the version the value becomes:
 * labels that name another version than the current one (a write cut between
 * the two, another client's write) are not trusted (fingerprint ''), and the
 * next write puts the value or only the labels right. A current version that
 * is soft-deleted or destroyed is missing: list() leaves it out, read() finds
 * nothing, and write() puts the value back as a new version.
 */
import { HushError } from '../lib/errors.js'
import { assertMemberName } from '../lib/names.js'
import { capabilities } from './capabilities.js'
import { option, prefix, prefixOf, required, text } from './settings.js'
import type {
  SecretValue,
  Store,
  StoreContext,
  StoreDescriptor,
  StoredSecret,
  StoreSettings,
  WriteEntry,
  WriteMeta,
} from './types.js'
import { writeEach } from './write-each.js'

export interface VaultConfig {
  /** e.g. https://vault.example:8200 (VAULT_ADDR) */
  readonly address: string
  /** the KV v2 mount (default `secret`) */
  readonly mount: string
  /** the path under the mount that holds this environment (default `<project>/<env>`) */
  readonly prefix: string
  /** VAULT_TOKEN, or AppRole credentials exchanged for a token */
  readonly token?: string
  readonly approle?: { readonly roleId: string; readonly secretId: string; readonly mount?: string }
  readonly namespace?: string
}

interface KvVersionState {
  created_time: string
  /** '' while live; a time from which the version reads as deleted */
  deletion_time: string
  destroyed: boolean
}

interface KvMetadata {
  current_version: number
  created_time: string
  updated_time: string
  custom_metadata: Record<string, string> | null
  /** the kept versions by number */
  versions?: Record<string, KvVersionState>
}

/** hush's keys in custom_metadata; any other key belongs to someone else and is kept. */
const LABEL_PREFIX = 'hush_'

/** Whether the current version can be read: written, still kept, neither deleted nor destroyed. */
function currentIsLive(m: KvMetadata): boolean {
  const v = m.versions?.[String(m.current_version)]
  if (m.current_version < 1 || !v || v.destroyed) return false
  return !v.deletion_time || Date.parse(v.deletion_time) > Date.now()
}

/** Whether hush's labels were written for the current version (not cut off before relabelling). */
function labelsDescribeCurrent(m: KvMetadata): boolean {
  return m.custom_metadata?.hush_version === String(m.current_version)
}

/** Two custom_metadata maps hold the same keys and values, whatever their order. */
function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}

const CAPABILITIES = capabilities({ versioned: true, checkAndSet: true })

/** How long one Vault request may take. */
const REQUEST_TIMEOUT_MS = 30_000

export class VaultStore implements Store {
  readonly kind = 'vault'
  readonly capabilities = CAPABILITIES
  readonly location: string
  private token: string | undefined

  constructor(private readonly config: VaultConfig) {
    this.location = `${config.address}/v1/${config.mount}/data/${config.prefix}`
    this.token = config.token
  }

  private async login(): Promise<string> {
    if (this.token) return this.token
    const approle = this.config.approle
    if (!approle)
      throw new HushError('HUSH_E_VAULT', `no Vault credentials for ${this.config.address}`, {
        hint: 'set VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID for AppRole',
      })
    const res = await this.send(
      'POST',
      `/v1/auth/${approle.mount ?? 'approle'}/login`,
      {
        role_id: approle.roleId,
        secret_id: approle.secretId,
      },
      false,
    )
    this.token = (res.body as { auth?: { client_token?: string } }).auth?.client_token
    if (!this.token) throw new HushError('HUSH_E_VAULT', 'the AppRole login returned no token')
    return this.token
  }

  private async send(
    method: string,
    path: string,
    body?: unknown,
    auth = true,
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (auth) headers['x-vault-token'] = await this.login()
    if (this.config.namespace) headers['x-vault-namespace'] = this.config.namespace
    let res: Response
    try {
      res = await fetch(`${this.config.address}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // a connection closed without an answer leaves fetch pending forever; the timeout ends it
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
    } catch (err) {
      throw new HushError(
        'HUSH_E_VAULT',
        `Vault at ${this.config.address} does not answer (${(err as Error).message})`,
        {
          hint: 'check VAULT_ADDR (or address: in hush.yaml) and that Vault is unsealed',
        },
      )
    }
    const text = await res.text()
    const parsed = text ? (JSON.parse(text) as unknown) : undefined
    if (res.status >= 400 && res.status !== 404) {
      // Vault's errors name paths and reasons, never request bodies
      const errors = (parsed as { errors?: string[] } | undefined)?.errors?.join('; ') ?? `HTTP ${res.status}`
      throw new HushError('HUSH_E_VAULT', `Vault refused ${method} ${path}: ${errors}`, {
        hint:
          res.status === 403
            ? 'the token lacks a policy for this path (it needs create, read, update, delete and list on the mount)'
            : res.status === 400 && /check-and-set/.test(errors)
              ? 'someone else wrote this secret at the same time; run the command again'
              : 'see the message above',
      })
    }
    return { status: res.status, body: parsed }
  }

  private path(kind: 'data' | 'metadata', name: string): string {
    assertMemberName(name)
    return `/v1/${this.config.mount}/${kind}/${this.config.prefix}/${name}`
  }

  private async metadata(name: string): Promise<KvMetadata | undefined> {
    const res = await this.send('GET', this.path('metadata', name))
    return res.status === 404 ? undefined : (res.body as { data: KvMetadata }).data
  }

  private toStored(name: string, m: KvMetadata): StoredSecret {
    const c = m.custom_metadata ?? {}
    return {
      name,
      version: m.current_version,
      // labels of another version describe a value the store no longer holds as current
      fingerprint: labelsDescribeCurrent(m) ? (c.hush_fingerprint ?? '') : '',
      createdAt: c.hush_created ?? m.created_time,
      updatedAt: c.hush_at ?? m.updated_time,
      ...(c.hush_rotated ? { rotatedAt: c.hush_rotated } : {}),
      ...(c.hush_source ? { source: c.hush_source as StoredSecret['source'] } : {}),
    }
  }

  async list(): Promise<StoredSecret[]> {
    const res = await this.send('GET', `/v1/${this.config.mount}/metadata/${this.config.prefix}/?list=true`)
    if (res.status === 404) return []
    const keys = ((res.body as { data: { keys: string[] } }).data.keys ?? []).filter((k) => !k.endsWith('/'))
    const out: StoredSecret[] = []
    for (const key of keys.sort()) {
      const m = await this.metadata(key)
      // a key whose current version is deleted or destroyed holds nothing readable: missing
      if (m && currentIsLive(m)) out.push(this.toStored(key, m))
    }
    return out
  }

  async read(name: string): Promise<SecretValue | undefined> {
    const res = await this.send('GET', this.path('data', name))
    if (res.status === 404) return undefined
    const value = (res.body as { data?: { data?: { value?: unknown } | null } }).data?.data?.value
    return typeof value === 'string' ? value : undefined
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    const current = await this.metadata(name)
    const existing = current && currentIsLive(current) ? await this.read(name) : undefined
    const version = current?.current_version ?? 0
    const fresh = existing !== value
    // the labels go first, naming the version the value is about to become (cas makes it exactly
    // that one): cut before the value, they name a version that does not exist yet and are not
    // trusted; the value is still the old one, so the next run writes it, and no run can skip a
    // relabel because the value is already there
    const target = fresh ? version + 1 : version
    const previous = current?.custom_metadata ?? {}
    const custom = this.labelled(previous, target, meta)
    if (!sameLabels(custom, previous))
      await this.send('POST', this.path('metadata', name), { custom_metadata: custom })
    if (fresh) {
      try {
        // cas is the current version even when it is deleted or destroyed (Vault counts it)
        await this.send('POST', this.path('data', name), { options: { cas: version }, data: { value } })
      } catch (err) {
        await this.unlabel(name, previous, target, meta.fingerprint)
        throw err
      }
    }
    const now = new Date().toISOString()
    return this.toStored(name, {
      current_version: target,
      created_time: current?.created_time ?? now,
      updated_time: now,
      custom_metadata: custom,
    })
  }

  /**
   * custom_metadata with hush's labels for `meta`'s value as version `version`, other keys kept.
   * Labels that already say so (a repeated or resumed write) keep their times.
   */
  private labelled(
    previous: Record<string, string>,
    version: number,
    meta: WriteMeta,
  ): Record<string, string> {
    const same = previous.hush_version === String(version) && previous.hush_fingerprint === meta.fingerprint
    const labels: Record<string, string | undefined> = {
      hush_fingerprint: meta.fingerprint,
      hush_source: meta.source,
      hush_version: String(version),
      hush_created: previous.hush_created ?? meta.at,
      hush_at: same ? (previous.hush_at ?? meta.at) : meta.at,
      hush_rotated: meta.rotated && !same ? meta.at : previous.hush_rotated,
    }
    const custom: Record<string, string> = Object.fromEntries(
      Object.entries(previous).filter(([k]) => !k.startsWith(LABEL_PREFIX)),
    )
    // Vault refuses an empty value ("0 < len(value)")
    for (const [k, v] of Object.entries(labels)) if (v) custom[k] = v
    return custom
  }

  /**
   * A value write refused after its labels went in (someone else wrote first: check-and-set): put the
   * previous labels back while they are still ours, so they cannot name the other writer's version.
   * Best effort: labels left naming a version that is not current are not trusted anyway.
   */
  private async unlabel(
    name: string,
    previous: Record<string, string>,
    version: number,
    fingerprint: string,
  ): Promise<void> {
    try {
      const now = await this.metadata(name)
      const c = now?.custom_metadata ?? {}
      if (c.hush_version === String(version) && c.hush_fingerprint === fingerprint)
        await this.send('POST', this.path('metadata', name), { custom_metadata: previous })
    } catch {
      // the original error says what went wrong
    }
  }

  writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]> {
    return writeEach(this, entries)
  }

  async remove(name: string): Promise<void> {
    await this.send('DELETE', this.path('metadata', name))
  }
}

/** Vault settings: hush.yaml (address, mount, prefix, namespace) over VAULT_ADDR / VAULT_TOKEN / VAULT_ROLE_ID + VAULT_SECRET_ID. */
function vaultConfig(settings: StoreSettings, context: StoreContext): VaultConfig {
  const pe = context.processEnv
  const address = required(
    settings,
    option(settings, 'address') ?? pe.VAULT_ADDR,
    'Vault address',
    'set VAULT_ADDR, or address: https://vault.example:8200 on the environment',
  ).replace(/\/+$/, '')
  const namespace = option(settings, 'namespace') ?? pe.VAULT_NAMESPACE
  return {
    address,
    mount: option(settings, 'mount') ?? 'secret',
    prefix: prefixOf(settings, context.project),
    ...(pe.VAULT_TOKEN ? { token: pe.VAULT_TOKEN } : {}),
    ...(pe.VAULT_ROLE_ID && pe.VAULT_SECRET_ID
      ? { approle: { roleId: pe.VAULT_ROLE_ID, secretId: pe.VAULT_SECRET_ID } }
      : {}),
    ...(namespace ? { namespace } : {}),
  }
}

export const vaultStore: StoreDescriptor = {
  kind: 'vault',
  summary: 'HashiCorp Vault KV v2: one secret per entry, check-and-set writes',
  settings: {
    prefix: prefix.describe('the path under the mount (default <project>/<env>)'),
    address: text.describe('the server address (default VAULT_ADDR)'),
    namespace: text.describe('the Vault namespace (default VAULT_NAMESPACE)'),
    mount: text.describe('the KV v2 mount (default secret)'),
  },
  capabilities: CAPABILITIES,
  open: (settings, context) => new VaultStore(vaultConfig(settings, context)),
  externalSecrets: {
    remoteKey: (prefix, entry) => `${prefix}/${entry}`,
    property: 'value',
    providerSpec: (settings) => ({
      vault: {
        server: (settings && option(settings, 'address')) ?? 'https://vault.example.internal:8200',
        path: (settings && option(settings, 'mount')) ?? 'secret',
        version: 'v2',
        auth: { kubernetes: { mountPath: 'kubernetes', role: 'external-secrets' } },
      },
    }),
  },
}
