/**
 * Google Cloud Secret Manager through the official SDK (`@google-cloud/secret-manager`, loaded on
 * first use) over its REST transport. Each entry is the secret `<prefix>-<entry>` with `/`, `_` and
 * `.` turned into `-` (the names `hush export external-secrets --provider gcp` uses), labelled
 * `managed-by: hush`; hush's metadata lives in the secret's annotations. A value is a secret version:
 * a write adds one only when the latest version holds a different value, so a push interrupted
 * between adding the version and recording its annotations resumes without a second version.
 * Annotation updates are check-and-set on the secret's etag.
 */
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager'
import { HushError } from '../lib/errors.js'
import { dashedName } from '../lib/names.js'
import { loadSdk } from '../lib/optional-sdk.js'
import { capabilities } from './capabilities.js'
import { assertHeldBy, type Labels, nextLabels, storedOf } from './labels.js'
import { option, prefix, prefixOf, required, text } from './settings.js'
import type { SecretValue, Store, StoreDescriptor, StoredSecret, WriteEntry, WriteMeta } from './types.js'
import { writeEach } from './write-each.js'

export interface GcpConfig {
  /** the Google Cloud project id that holds the secrets */
  readonly project: string
  /** the name prefix (default `<project>/<env>`) */
  readonly prefix: string
  /** another endpoint (a private or regional endpoint; tests), e.g. https://secretmanager.googleapis.com */
  readonly endpoint?: string
  /** an OAuth access token (GOOGLE_OAUTH_ACCESS_TOKEN) instead of Application Default Credentials */
  readonly accessToken?: string
}

interface GcpSecret {
  name?: string | null
  etag?: string | null
  annotations?: Record<string, string> | null
}

/** gRPC status codes the store meets (google-gax errors carry them as `code`) */
const STATUS: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
}
const NOT_FOUND = 5
const ALREADY_EXISTS = 6
const FAILED_PRECONDITION = 9

/** CRC32C (Castagnoli) of the payload: Secret Manager checks it on write, hush checks it on read. */
const CRC32C_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A static OAuth token, the auth client google-gax's REST transport asks for (it calls fetch). */
function tokenClient(token: string) {
  const withToken = (headers?: ConstructorParameters<typeof Headers>[0]) => {
    const h = new Headers(headers)
    h.set('authorization', `Bearer ${token}`)
    return h
  }
  return {
    universeDomain: 'googleapis.com',
    getRequestHeaders: async () => withToken(),
    fetch: (url: string, init: RequestInit) =>
      fetch(url, {
        method: init.method ?? 'GET',
        headers: withToken(init.headers),
        ...(init.body ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      }),
  }
}

const CAPABILITIES = capabilities({ versioned: true, checkAndSet: true })

export class GcpStore implements Store {
  readonly kind = 'gcp'
  readonly capabilities = CAPABILITIES
  readonly location: string
  private client: Promise<SecretManagerServiceClient> | undefined

  constructor(private readonly config: GcpConfig) {
    this.location = `secretmanager projects/${config.project}/secrets/${config.prefix.replace(/[/_.]/g, '-')}-*`
  }

  private connect(): Promise<SecretManagerServiceClient> {
    this.client ??= loadSdk(
      () => import('@google-cloud/secret-manager'),
      '@google-cloud/secret-manager',
      'the gcp store',
    ).then((sdk) => {
      const url = this.config.endpoint ? new URL(this.config.endpoint) : undefined
      return new sdk.SecretManagerServiceClient({
        fallback: true, // REST: the transport the API fixture tests is the one users run
        ...(url
          ? {
              apiEndpoint: url.hostname,
              port: Number(url.port || (url.protocol === 'http:' ? 80 : 443)),
              protocol: url.protocol.slice(0, -1),
            }
          : {}),
        ...(this.config.accessToken ? { authClient: tokenClient(this.config.accessToken) as never } : {}),
      })
    })
    return this.client
  }

  private failure(what: string, err: unknown): HushError {
    const code = (err as { code?: number }).code ?? -1
    const status = STATUS[code] ?? String((err as Error).name ?? 'Error')
    return new HushError('HUSH_E_GCP', `Google Secret Manager refused ${what}: ${status}`, {
      hint:
        code === 7 || code === 16
          ? 'check the credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login, or GOOGLE_OAUTH_ACCESS_TOKEN) and that they hold roles/secretmanager.admin on the project'
          : code === 10
            ? 'someone else changed this secret at the same time; run the command again'
            : /credentials/i.test(String((err as Error).message))
              ? 'no Google credentials found: run gcloud auth application-default login, or set GOOGLE_APPLICATION_CREDENTIALS'
              : 'see the status above',
    })
  }

  /** Call the SDK; a status in `absent` means "not there" and gives undefined. */
  private async call<T>(
    what: string,
    run: (c: SecretManagerServiceClient) => Promise<[T, ...unknown[]]>,
    absent: number[] = [],
  ): Promise<T | undefined> {
    const client = await this.connect()
    try {
      return (await run(client))[0]
    } catch (err) {
      if (absent.includes((err as { code?: number }).code ?? -1)) return undefined
      throw this.failure(what, err)
    }
  }

  private get parent(): string {
    return `projects/${this.config.project}`
  }

  private secretName(name: string): string {
    return `${this.parent}/secrets/${dashedName(this.config.prefix, name)}`
  }

  /** The secret behind `name`, or undefined; refuses one that another entry's name maps onto. */
  private async secret(name: string): Promise<GcpSecret | undefined> {
    const id = this.secretName(name)
    const secret = await this.call(`GetSecret ${id}`, (c) => c.getSecret({ name: id }), [NOT_FOUND])
    assertHeldBy(secret?.annotations ?? undefined, name, id, 'GCP')
    return secret
  }

  /** The latest version's value, or undefined when there is none (or it is disabled). */
  private async latest(secretName: string): Promise<SecretValue | undefined> {
    const res = await this.call(
      `AccessSecretVersion ${secretName}/versions/latest`,
      (c) => c.accessSecretVersion({ name: `${secretName}/versions/latest` }),
      [NOT_FOUND, FAILED_PRECONDITION],
    )
    const data = res?.payload?.data
    if (!data) return undefined
    const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : data
    const sum = res.payload?.dataCrc32c
    if (sum !== undefined && sum !== null && Number(sum) !== crc32c(bytes))
      throw new HushError('HUSH_E_GCP', `the payload of ${secretName} does not match its CRC32C checksum`, {
        hint: 'a proxy or the network damaged the response; run the command again',
      })
    return Buffer.from(bytes).toString('utf8')
  }

  async list(): Promise<StoredSecret[]> {
    const client = await this.connect()
    const out: StoredSecret[] = []
    try {
      const request = { parent: this.parent, filter: 'labels.managed-by=hush' }
      for await (const s of client.listSecretsAsync(request, { autoPaginate: false })) {
        const stored = storedOf(s.annotations ?? undefined)
        if (stored && s.annotations?.hush_prefix === this.config.prefix) out.push(stored)
      }
    } catch (err) {
      throw this.failure(`ListSecrets ${this.parent}`, err)
    }
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async read(name: string): Promise<SecretValue | undefined> {
    const secret = await this.secret(name)
    return secret?.name ? this.latest(secret.name) : undefined
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    let secret = await this.secret(name)
    const labels: Labels = secret?.annotations ?? {}
    if (labels.hush_fingerprint === meta.fingerprint) return storedOf(labels)!
    const id = this.secretName(name)
    if (!secret)
      secret =
        (await this.call(
          `CreateSecret ${id}`,
          (c) =>
            c.createSecret({
              parent: this.parent,
              secretId: id.slice(id.lastIndexOf('/') + 1),
              secret: {
                replication: { automatic: {} },
                labels: { 'managed-by': 'hush' },
                annotations: { hush_name: name, hush_prefix: this.config.prefix },
              },
            }),
          [ALREADY_EXISTS],
        )) ?? (await this.secret(name))
    const changed = (await this.latest(id)) !== value
    if (changed) {
      const data = Buffer.from(value, 'utf8')
      await this.call(`AddSecretVersion ${id}`, (c) =>
        c.addSecretVersion({ parent: id, payload: { data, dataCrc32c: crc32c(data) } }),
      )
      secret = await this.secret(name) // a fresh etag for the annotations' check-and-set
    }
    const next = { ...nextLabels(name, meta, labels, changed), hush_prefix: this.config.prefix }
    await this.call(`UpdateSecret ${id}`, (c) =>
      c.updateSecret({
        secret: { name: id, annotations: next, ...(secret?.etag ? { etag: secret.etag } : {}) },
        updateMask: { paths: ['annotations'] },
      }),
    )
    return storedOf(next)!
  }

  writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]> {
    return writeEach(this, entries)
  }

  async remove(name: string): Promise<void> {
    const secret = await this.secret(name)
    if (!secret?.name) return
    const id = secret.name
    await this.call(`DeleteSecret ${id}`, (c) => c.deleteSecret({ name: id }), [NOT_FOUND])
  }
}

export const gcpStore: StoreDescriptor = {
  kind: 'gcp',
  summary: 'Google Secret Manager: secret <prefix>-<entry>, one version per value',
  settings: {
    prefix: prefix.describe('the name prefix (default <project>/<env>; "/", "_" and "." become "-")'),
    gcp_project: text.describe('the Google Cloud project id (default GOOGLE_CLOUD_PROJECT)'),
    endpoint: text.describe('a custom API endpoint'),
  },
  capabilities: CAPABILITIES,
  open(settings, context) {
    const pe = context.processEnv
    const endpoint = option(settings, 'endpoint')
    return new GcpStore({
      project: required(
        settings,
        option(settings, 'gcp_project') ?? pe.GOOGLE_CLOUD_PROJECT ?? pe.CLOUDSDK_CORE_PROJECT,
        'Google Cloud project',
        'set gcp_project: my-project on the environment, or GOOGLE_CLOUD_PROJECT',
      ),
      prefix: prefixOf(settings, context.project),
      ...(endpoint ? { endpoint } : {}),
      ...(pe.GOOGLE_OAUTH_ACCESS_TOKEN ? { accessToken: pe.GOOGLE_OAUTH_ACCESS_TOKEN } : {}),
    })
  },
  externalSecrets: {
    remoteKey: dashedName,
    providerSpec: (settings) => ({
      gcpsm: { projectID: (settings && option(settings, 'gcp_project')) ?? 'my-gcp-project' },
    }),
  },
}
