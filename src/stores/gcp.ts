/**
 * Google Cloud Secret Manager through the official SDK (`@google-cloud/secret-manager`, loaded on
 * first use) over its REST transport. Each entry is the secret `<prefix>-<entry>` with `/`, `_` and
 * `.` turned into `-` (the names `hush export external-secrets --provider gcp` uses), labelled
 * `managed-by: hush`; hush's metadata lives in the secret's annotations. A value is a secret version.
 * The value and its annotations are two requests (AddSecretVersion, then UpdateSecret), so the
 * annotations name the version they describe (`hush_gcp_version`): list() trusts a fingerprint only
 * while that version is still `latest` (the most recently created version) and enabled, and reports
 * it unknown ('') otherwise — a run cut between the two requests, or a version added, disabled or
 * destroyed outside hush. read() returns `latest`'s value (nothing when it is disabled or destroyed:
 * what a consumer of `latest` gets). A write adds a version only when `latest` holds a different
 * value (or none), so a resumed write records the version the cut run added instead of adding a
 * second one. Annotation updates are check-and-set on the secret's etag (adding a version does not
 * change it).
 */
import type { protos, SecretManagerServiceClient } from '@google-cloud/secret-manager'
import { mapLimit } from '../lib/concurrency.js'
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

/** the annotation naming the version number whose value the fingerprint describes */
const VERSION_KEY = 'hush_gcp_version'
/** GetSecretVersion calls in flight while listing (a read request each) */
const LIST_CONCURRENCY = 8

/** `projects/p/secrets/s/versions/7` → 7 (0 when the name is missing) */
function versionNumber(name: string | null | undefined): number {
  return Number(/\/versions\/(\d+)$/.exec(name ?? '')?.[1] ?? 0)
}

function sameLabels(a: Labels, b: Labels): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].every((k) => a[k] === b[k])
}

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
          : code === 10 || (code === FAILED_PRECONDITION && what.startsWith('UpdateSecret'))
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

  /**
   * The value of `latest` (the most recently created version) and that version's number; the
   * number alone when it is disabled or destroyed (the name is not in the error: 0), undefined when
   * the secret has no version.
   */
  private async latest(secretName: string): Promise<{ version: number; value?: SecretValue } | undefined> {
    const client = await this.connect()
    const name = `${secretName}/versions/latest`
    let res: protos.google.cloud.secretmanager.v1.IAccessSecretVersionResponse
    try {
      res = (await client.accessSecretVersion({ name }))[0]
    } catch (err) {
      const code = (err as { code?: number }).code
      if (code === NOT_FOUND) return undefined
      if (code === FAILED_PRECONDITION) return { version: 0 } // DISABLED or DESTROYED
      throw this.failure(`AccessSecretVersion ${name}`, err)
    }
    const version = versionNumber(res.name)
    const data = res.payload?.data
    if (!data) return { version, value: '' }
    const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : data
    const sum = res.payload?.dataCrc32c
    if (sum !== undefined && sum !== null && Number(sum) !== crc32c(bytes))
      throw new HushError('HUSH_E_GCP', `the payload of ${secretName} does not match its CRC32C checksum`, {
        hint: 'a proxy or the network damaged the response; run the command again',
      })
    return { version, value: Buffer.from(bytes).toString('utf8') }
  }

  /** Whether the annotations describe the value `latest` returns: they name it, and it is enabled. */
  private async describesLatest(secretName: string, annotations: Labels): Promise<boolean> {
    if (!annotations[VERSION_KEY]) return false
    const v = await this.call(
      `GetSecretVersion ${secretName}/versions/latest`,
      (c) => c.getSecretVersion({ name: `${secretName}/versions/latest` }),
      [NOT_FOUND],
    )
    const enabled = v?.state === 'ENABLED' || (v?.state as unknown) === 1
    return enabled && String(versionNumber(v?.name)) === annotations[VERSION_KEY]
  }

  async list(): Promise<StoredSecret[]> {
    const client = await this.connect()
    const found: { secret: string; annotations: Labels; stored: StoredSecret }[] = []
    try {
      const request = { parent: this.parent, filter: 'labels.managed-by=hush' }
      for await (const s of client.listSecretsAsync(request, { autoPaginate: false })) {
        const annotations = s.annotations ?? {}
        const stored = storedOf(annotations)
        if (stored && s.name && annotations.hush_prefix === this.config.prefix)
          found.push({ secret: s.name, annotations, stored })
      }
    } catch (err) {
      throw this.failure(`ListSecrets ${this.parent}`, err)
    }
    // a fingerprint the latest version may not hold is unknown, not a claim
    const out = await mapLimit(found, LIST_CONCURRENCY, async ({ secret, annotations, stored }) =>
      (await this.describesLatest(secret, annotations)) ? stored : { ...stored, fingerprint: '' },
    )
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async read(name: string): Promise<SecretValue | undefined> {
    const secret = await this.secret(name)
    return secret?.name ? (await this.latest(secret.name))?.value : undefined
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    const id = this.secretName(name)
    const secret =
      (await this.secret(name)) ??
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
      )) ??
      (await this.secret(name))
    const labels: Labels = secret?.annotations ?? {}
    const latest = await this.latest(id)
    let version: number
    let changed: boolean
    if (latest?.value === value) {
      // already there: a run cut after adding it, or the same value again. It is new to the
      // annotations unless they already describe this version.
      version = latest.version
      changed = labels[VERSION_KEY]
        ? labels[VERSION_KEY] !== String(version)
        : labels.hush_fingerprint !== meta.fingerprint
    } else {
      const data = Buffer.from(value, 'utf8')
      const added = await this.call(`AddSecretVersion ${id}`, (c) =>
        c.addSecretVersion({ parent: id, payload: { data, dataCrc32c: crc32c(data) } }),
      )
      version = versionNumber(added?.name)
      changed = true
    }
    const next: Labels = {
      ...nextLabels(name, meta, labels, changed),
      hush_prefix: this.config.prefix,
      [VERSION_KEY]: String(version),
    }
    if (!changed && sameLabels(labels, next)) return storedOf(labels)!
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
