/**
 * Azure Key Vault secrets through the official SDK (`@azure/keyvault-secrets`, loaded on first use;
 * credentials from `@azure/identity`'s DefaultAzureCredential, or a token in AZURE_ACCESS_TOKEN).
 * Each entry is the secret `<prefix>-<entry>` with `/`, `_` and `.` turned into `-` (Key Vault names
 * allow only letters, digits and dashes; the names `hush export external-secrets --provider azure`
 * uses). hush's metadata rides as tags on the version itself, so a value and its labels land in one
 * request: an interrupted push resumes without a second version. Removing soft-deletes (recoverable
 * for the vault's retention period) and waits for the delete to finish; writing over a soft-deleted
 * name recovers it first (waiting out a delete or recovery still running) and writes only if the
 * recovered secret does not hold the value already. A disabled current version (Key Vault refuses
 * to get it) is listed without a fingerprint, read as an error that says so, and written over with
 * a new, enabled version.
 */
import type { KeyVaultSecret, SecretClient } from '@azure/keyvault-secrets'
import { HushError } from '../lib/errors.js'
import { dashedName } from '../lib/names.js'
import { loadSdk } from '../lib/optional-sdk.js'
import { capabilities } from './capabilities.js'
import { assertHeldBy, type Labels, nextLabels, storedOf } from './labels.js'
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

/** How often to ask whether a delete or a recovery (long-running on Key Vault) has finished. */
const POLL_MS = 250
/** How long a write waits for a name being deleted or recovered before giving up. */
const SETTLE_MS = 60_000

/** The latest version of a secret; a disabled one comes with its labels only. */
type Latest = Pick<KeyVaultSecret, 'value'> & {
  readonly properties: Pick<KeyVaultSecret['properties'], 'tags' | 'version'>
  readonly disabled?: boolean
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode

/** Key Vault's innererror code (ObjectIsDeletedButRecoverable, SecretDisabled, …), when it sent one. */
function innerCodeOf(err: unknown): string | undefined {
  return (err as { details?: { error?: { innerError?: { code?: string } } } }).details?.error?.innerError
    ?.code
}

/** 403 "Operation get is not allowed on a disabled secret." */
const isDisabled = (err: unknown) =>
  statusOf(err) === 403 &&
  (innerCodeOf(err) === 'SecretDisabled' || /disabled secret/.test((err as Error).message ?? ''))

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

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
      if (statusOf(err) === 404) return undefined
      throw this.failure(what, err)
    }
  }

  /**
   * The latest version of `name`: its value, or only its labels when it is disabled (Key Vault
   * refuses to get a disabled version); undefined when there is none. Refuses a secret that another
   * entry's name maps onto.
   */
  private async latest(name: string): Promise<Latest | undefined> {
    const id = dashedName(this.config.prefix, name)
    const client = await this.connect()
    let latest: Latest | undefined
    try {
      latest = await client.getSecret(id)
    } catch (err) {
      if (statusOf(err) === 404) latest = undefined
      else if (isDisabled(err))
        latest = { disabled: true, properties: { tags: await this.labelsOfDisabled(id) } }
      else throw this.failure(`get ${id}`, err)
    }
    assertHeldBy(latest?.properties.tags, name, id, 'Key Vault')
    return latest
  }

  /** The labels of a secret whose latest version is disabled: the highest hush version among its versions. */
  private async labelsOfDisabled(id: string): Promise<Labels> {
    const client = await this.connect()
    let labels: Labels = {}
    try {
      for await (const p of client.listPropertiesOfSecretVersions(id))
        if (Number(p.tags?.hush_version ?? 0) >= Number(labels.hush_version ?? 0) && p.tags) labels = p.tags
    } catch (err) {
      throw this.failure(`list the versions of ${id}`, err)
    }
    return labels
  }

  async list(): Promise<StoredSecret[]> {
    const client = await this.connect()
    const out: StoredSecret[] = []
    try {
      for await (const p of client.listPropertiesOfSecrets()) {
        const stored = storedOf(p.tags)
        if (!stored || p.tags?.hush_prefix !== this.config.prefix) continue
        // a disabled latest version holds no value anyone can read: its labels name none
        out.push(p.enabled === false ? { ...stored, fingerprint: '' } : stored)
      }
    } catch (err) {
      throw this.failure(`list secrets of ${this.config.address}`, err)
    }
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async read(name: string): Promise<SecretValue | undefined> {
    const latest = await this.latest(name)
    if (latest?.disabled) {
      const id = dashedName(this.config.prefix, name)
      throw new HushError('HUSH_E_AZURE', `the current version of Key Vault secret ${id} is disabled`, {
        hint: `enable it (az keyvault secret set-attributes --id ${this.config.address}/secrets/${id} --enabled true) or push a new value`,
      })
    }
    return latest?.value
  }

  /**
   * One version holding the value and its labels. A name soft-deleted is recovered first; one
   * still being deleted or recovered (both take a while) is waited for; each attempt starts again
   * from the latest version, so a recovered secret that already holds the value gets no new one.
   */
  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    const id = dashedName(this.config.prefix, name)
    const client = await this.connect()
    const deadline = Date.now() + SETTLE_MS
    for (;;) {
      const current = await this.latest(name)
      const labels = current?.properties.tags ?? {}
      // a disabled version's value cannot be read: the value gets a new, enabled version
      const changed = current?.disabled === true || current?.value !== value
      if (current && !changed && labels.hush_fingerprint === meta.fingerprint) return storedOf(labels)!
      const tags = { ...nextLabels(name, meta, labels, changed), hush_prefix: this.config.prefix }
      const version = current?.properties.version
      if (!changed && version) {
        // the value is there (a write whose labels were not recorded): label that very version
        const done = await this.call(`update the tags of ${id}`, (c) =>
          c.updateSecretProperties(id, version, { tags }),
        )
        if (done) return storedOf(tags)!
        continue // the version went away in between (deleted): start again
      }
      try {
        await client.setSecret(id, value, { tags, contentType: 'text/plain' })
        return storedOf(tags)!
      } catch (err) {
        if (statusOf(err) !== 409 || Date.now() > deadline) throw this.failure(`set ${id}`, err)
        const state = innerCodeOf(err)
        if (state === 'ObjectIsBeingDeleted' || state === 'ObjectIsBeingRecovered') await sleep(POLL_MS)
        else await this.recover(client, id)
      }
    }
  }

  /** Recover the soft-deleted `id` and wait until it is back (nothing to do when it is not deleted any more). */
  private async recover(client: SecretClient, id: string): Promise<void> {
    try {
      await (await client.beginRecoverDeletedSecret(id, { intervalInMs: POLL_MS })).pollUntilDone()
    } catch (err) {
      if (statusOf(err) !== 404) throw this.failure(`recover ${id}`, err)
    }
  }

  writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]> {
    return writeEach(this, entries)
  }

  async remove(name: string): Promise<void> {
    if (!(await this.latest(name))) return
    const id = dashedName(this.config.prefix, name)
    // deleting takes a while: wait, so that the name can be recovered (or reused) right after
    await this.call(`delete ${id}`, async (c) =>
      (await c.beginDeleteSecret(id, { intervalInMs: POLL_MS })).pollUntilDone(),
    )
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
