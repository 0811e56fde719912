/**
 * Azure Key Vault secrets through the official SDK (`@azure/keyvault-secrets`, loaded on first use;
 * credentials from `@azure/identity`'s DefaultAzureCredential, or a token in AZURE_ACCESS_TOKEN).
 * Each entry is the secret `<prefix>-<entry>` with `/`, `_` and `.` turned into `-` (Key Vault names
 * allow only letters, digits and dashes; the names `hush export external-secrets --provider azure`
 * uses). hush's metadata rides as tags on the version itself, so a value and its labels land in one
 * request: an interrupted push resumes without a second version. Removing soft-deletes (recoverable
 * for the vault's retention period); writing over a soft-deleted name recovers it first.
 */
import type { KeyVaultSecret, SecretClient } from '@azure/keyvault-secrets'
import { HushError } from '../lib/errors.js'
import { dashedName } from '../lib/names.js'
import { loadSdk } from '../lib/optional-sdk.js'
import { capabilities } from './capabilities.js'
import { assertHeldBy, nextLabels, storedOf } from './labels.js'
import { option, prefix, prefixOf, required, text } from './settings.js'
import type { SecretValue, Store, StoreDescriptor, StoredSecret, WriteEntry, WriteMeta } from './types.js'
import { writeEach } from './write-each.js'

export interface AzureConfig {
  /** the vault URL, e.g. https://my-vault.vault.azure.net (AZURE_KEYVAULT_URL) */
  readonly address: string
  /** the name prefix (default `<project>/<env>`) */
  readonly prefix: string
  /** a bearer token for https://vault.azure.net (AZURE_ACCESS_TOKEN) instead of DefaultAzureCredential */
  readonly accessToken?: string
}

/** How often to ask whether a soft-deleted secret has been recovered. */
const POLL_MS = 250

const CAPABILITIES = capabilities({ versioned: true })

export class AzureStore implements Store {
  readonly kind = 'azure'
  readonly capabilities = CAPABILITIES
  readonly location: string
  private client: Promise<SecretClient> | undefined

  constructor(private readonly config: AzureConfig) {
    this.location = `${config.address}/secrets/${config.prefix.replace(/[/_.]/g, '-')}-*`
  }

  private connect(): Promise<SecretClient> {
    this.client ??= (async () => {
      const sdk = await loadSdk(
        () => import('@azure/keyvault-secrets'),
        '@azure/keyvault-secrets',
        'the azure store',
      )
      const token = this.config.accessToken
      const credential = token
        ? { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 5 * 60_000 }) }
        : new (
            await loadSdk(() => import('@azure/identity'), '@azure/identity', 'the azure store')
          ).DefaultAzureCredential()
      return new sdk.SecretClient(this.config.address, credential, {
        // Key Vault names its own domain in the auth challenge; a plain-http emulator cannot, and a
        // token sent over plain http is not protected by that check anyway
        disableChallengeResourceVerification: this.config.address.startsWith('http:'),
        allowInsecureConnection: this.config.address.startsWith('http:'),
      })
    })()
    return this.client
  }

  private failure(what: string, err: unknown): HushError {
    const e = err as { statusCode?: number; code?: string; name?: string }
    const status = e.statusCode ?? 0
    return new HushError(
      'HUSH_E_AZURE',
      // a RestError's code comes from Key Vault's answer; other errors (network, credentials) say what failed
      `Azure Key Vault refused ${what}: ${e.code ?? `${e.name}: ${(err as Error).message}`.slice(0, 200)}${status ? ` (HTTP ${status})` : ''}`,
      {
        hint:
          status === 401 || status === 403
            ? 'check the credentials (az login, AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET, a managed identity, or AZURE_ACCESS_TOKEN) and that they hold the Key Vault Secrets Officer role (or get/set/list/delete/recover access policies)'
            : e.name === 'CredentialUnavailableError' || e.name === 'AuthenticationError'
              ? 'no Azure credentials found: run az login, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET'
              : 'see the error code above',
      },
    )
  }

  /** Call the SDK; a 404 gives undefined. */
  private async call<T>(what: string, run: (c: SecretClient) => Promise<T>): Promise<T | undefined> {
    const client = await this.connect()
    try {
      return await run(client)
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined
      throw this.failure(what, err)
    }
  }

  /** The latest version of `name`, or undefined; refuses one that another entry's name maps onto. */
  private async secret(name: string): Promise<KeyVaultSecret | undefined> {
    const id = dashedName(this.config.prefix, name)
    const secret = await this.call(`get ${id}`, (c) => c.getSecret(id))
    assertHeldBy(secret?.properties.tags, name, id, 'Key Vault')
    return secret
  }

  async list(): Promise<StoredSecret[]> {
    const client = await this.connect()
    const out: StoredSecret[] = []
    try {
      for await (const p of client.listPropertiesOfSecrets()) {
        const stored = storedOf(p.tags)
        if (stored && p.tags?.hush_prefix === this.config.prefix) out.push(stored)
      }
    } catch (err) {
      throw this.failure(`list secrets of ${this.config.address}`, err)
    }
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async read(name: string): Promise<SecretValue | undefined> {
    return (await this.secret(name))?.value
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    const current = await this.secret(name)
    const labels = current?.properties.tags ?? {}
    if (current && labels.hush_fingerprint === meta.fingerprint) return storedOf(labels)!
    const id = dashedName(this.config.prefix, name)
    const changed = current?.value !== value
    const tags = { ...nextLabels(name, meta, labels, changed), hush_prefix: this.config.prefix }
    if (!changed && current?.properties.version) {
      const version = current.properties.version
      await this.call(`update the tags of ${id}`, (c) => c.updateSecretProperties(id, version, { tags }))
      return storedOf(tags)!
    }
    const client = await this.connect()
    const set = () => client.setSecret(id, value, { tags, contentType: 'text/plain' })
    try {
      await set()
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw this.failure(`set ${id}`, err)
      // the name is soft-deleted (ObjectIsDeletedButRecoverable): recover it, then add the new version
      try {
        await (await client.beginRecoverDeletedSecret(id, { intervalInMs: POLL_MS })).pollUntilDone()
        await set()
      } catch (again) {
        throw this.failure(`recover and set ${id}`, again)
      }
    }
    return storedOf(tags)!
  }

  writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]> {
    return writeEach(this, entries)
  }

  async remove(name: string): Promise<void> {
    if (!(await this.secret(name))) return
    const id = dashedName(this.config.prefix, name)
    await this.call(`delete ${id}`, (c) => c.beginDeleteSecret(id, { intervalInMs: POLL_MS }))
  }
}

export const azureStore: StoreDescriptor = {
  kind: 'azure',
  summary: 'Azure Key Vault: secret <prefix>-<entry>, metadata as tags on each version',
  settings: {
    prefix: prefix.describe('the name prefix (default <project>/<env>; "/", "_" and "." become "-")'),
    address: text.describe('the Key Vault URL (default AZURE_KEYVAULT_URL)'),
  },
  capabilities: CAPABILITIES,
  open: (settings, context) =>
    new AzureStore({
      address: required(
        settings,
        option(settings, 'address') ?? context.processEnv.AZURE_KEYVAULT_URL,
        'Key Vault URL',
        'set address: https://my-vault.vault.azure.net on the environment, or AZURE_KEYVAULT_URL',
      ).replace(/\/+$/, ''),
      prefix: prefixOf(settings, context.project),
      ...(context.processEnv.AZURE_ACCESS_TOKEN
        ? { accessToken: context.processEnv.AZURE_ACCESS_TOKEN }
        : {}),
    }),
  externalSecrets: {
    remoteKey: dashedName,
    providerSpec: (settings) => ({
      azurekv: {
        vaultUrl: (settings && option(settings, 'address')) ?? 'https://my-vault.vault.azure.net',
        authType: 'WorkloadIdentity',
        serviceAccountRef: { name: 'external-secrets' },
      },
    }),
  },
}
