/**
 * HashiCorp Vault's KV version 2 engine over its HTTP API (no SDK: Vault's own
 * clients are plain HTTP). Each entry is `<mount>/data/<prefix>/<entry>` with
 * `{ value }`; hush's labels live in the path's custom_metadata. Writes are
 * check-and-set (`options.cas`) against the version read just before, and a
 * write whose value is already current creates no version, so an interrupted
 * push resumes without duplicating versions.
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

interface KvMetadata {
  current_version: number
  created_time: string
  updated_time: string
  custom_metadata: Record<string, string> | null
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
      fingerprint: c.hush_fingerprint ?? '',
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
      if (m) out.push(this.toStored(key, m))
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
    const existing = current ? await this.read(name) : undefined
    let version = current?.current_version ?? 0
    if (existing !== value) {
      const res = await this.send('POST', this.path('data', name), {
        options: { cas: version },
        data: { value },
      })
      version = (res.body as { data: { version: number } }).data.version
    }
    const previous = current?.custom_metadata ?? {}
    const custom: Record<string, string> = {
      hush_fingerprint: meta.fingerprint,
      hush_source: meta.source,
      hush_created: previous.hush_created ?? meta.at,
      hush_at: existing === value ? (previous.hush_at ?? meta.at) : meta.at,
      ...(meta.rotated && existing !== value
        ? { hush_rotated: meta.at }
        : previous.hush_rotated
          ? { hush_rotated: previous.hush_rotated }
          : {}),
    }
    if (JSON.stringify(custom) !== JSON.stringify(previous))
      await this.send('POST', this.path('metadata', name), { custom_metadata: custom })
    const now = new Date().toISOString()
    return this.toStored(name, {
      current_version: version,
      created_time: current?.created_time ?? now,
      updated_time: now,
      custom_metadata: custom,
    })
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
