/**
 * AWS Secrets Manager through the official SDK (`@aws-sdk/client-secrets-manager`,
 * loaded on first use). Each entry is the secret `<prefix>/<entry>`; hush's
 * labels are tags. Every value is written with a ClientRequestToken derived from
 * its fingerprint, so the version id names the value: a retried write is a
 * no-op (AWS's own idempotency), and a value staged as AWSPENDING is promoted
 * to AWSCURRENT by moving the label, never by writing it again.
 */

import { createHash } from 'node:crypto'
import type { DescribeSecretCommandOutput, SecretsManagerClient, Tag } from '@aws-sdk/client-secrets-manager'
import { HushError } from '../lib/errors.js'
import { assertMemberName } from '../lib/names.js'
import { loadSdk } from '../lib/optional-sdk.js'
import { capabilities } from './capabilities.js'
import { option, prefix, prefixOf, text } from './settings.js'
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

export interface AwsConfig {
  /** the name prefix (default `<project>/<env>`, seed 003's `devplatform/prod/db` style) */
  readonly prefix: string
  readonly region?: string
  /** a custom endpoint (tests, VPC endpoints, LocalStack) */
  readonly endpoint?: string
  readonly profile?: string
}

type Sdk = typeof import('@aws-sdk/client-secrets-manager')

/** The version id of a value: its fingerprint and name, hashed into AWS's 32–64 character token. */
export function versionIdOf(name: string, fingerprint: string): string {
  return `hush-${createHash('sha256').update(`${name}\0${fingerprint}`).digest('hex').slice(0, 32)}`
}

/** The SDK client settings hush.yaml may give (the SDK's own chain supplies the rest). */
export function clientOptions(config: { region?: string; endpoint?: string; profile?: string }) {
  return {
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.profile ? { profile: config.profile } : {}),
  }
}

/** An AWS SDK error as a HushError naming the service, the operation and AWS's error name (no request data). */
export function awsFailure(service: string, what: string, err: unknown): HushError {
  const name = (err as { name?: string }).name ?? 'Error'
  return new HushError('HUSH_E_AWS', `${service} refused ${what}: ${name}`, {
    hint:
      name === 'AccessDeniedException' || name === 'UnrecognizedClientException'
        ? 'check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the instance role) and the IAM policy'
        : name === 'CredentialsProviderError'
          ? 'no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
          : 'see the AWS error name above',
  })
}

const CAPABILITIES = capabilities({ versioned: true, stage: true })

export class AwsStore implements Store {
  readonly kind = 'aws'
  readonly capabilities = CAPABILITIES
  readonly location: string
  private client: Promise<{ sdk: Sdk; client: SecretsManagerClient }> | undefined

  constructor(private readonly config: AwsConfig) {
    this.location = `secretsmanager ${config.region ?? process.env.AWS_REGION ?? ''} ${config.prefix}/`
  }

  private connect(): Promise<{ sdk: Sdk; client: SecretsManagerClient }> {
    this.client ??= loadSdk(
      () => import('@aws-sdk/client-secrets-manager'),
      '@aws-sdk/client-secrets-manager',
      'the aws store',
    ).then((sdk) => ({
      sdk,
      client: new sdk.SecretsManagerClient(clientOptions(this.config)),
    }))
    return this.client
  }

  private secretId(name: string): string {
    assertMemberName(name)
    return `${this.config.prefix}/${name}`
  }

  /** Run a command; AWS errors become HushErrors naming the operation and AWS's error name (no request data). */
  private async call<T>(make: (sdk: Sdk) => { input: unknown }, what: string, missing?: T): Promise<T> {
    const { sdk, client } = await this.connect()
    try {
      return (await client.send(make(sdk) as never)) as T
    } catch (err) {
      if (missing !== undefined && (err as { name?: string }).name === 'ResourceNotFoundException')
        return missing
      throw awsFailure('AWS Secrets Manager', what, err)
    }
  }

  private async describe(name: string): Promise<DescribeSecretCommandOutput | null> {
    return this.call<DescribeSecretCommandOutput | null>(
      (sdk) => new sdk.DescribeSecretCommand({ SecretId: this.secretId(name) }),
      `DescribeSecret ${this.secretId(name)}`,
      null,
    )
  }

  private toStored(
    name: string,
    d: { Tags?: Tag[]; CreatedDate?: Date; VersionIdsToStages?: Record<string, string[]> },
  ): StoredSecret {
    const tags = Object.fromEntries((d.Tags ?? []).map((t) => [t.Key, t.Value]))
    const versions = Object.keys(d.VersionIdsToStages ?? {}).length
    return {
      name,
      version: Number(tags['hush:version'] ?? versions),
      fingerprint: tags['hush:fingerprint'] ?? '',
      createdAt: tags['hush:created'] ?? d.CreatedDate?.toISOString() ?? '',
      updatedAt: tags['hush:at'] ?? '',
      ...(tags['hush:rotated'] ? { rotatedAt: tags['hush:rotated'] } : {}),
      ...(tags['hush:source'] ? { source: tags['hush:source'] as StoredSecret['source'] } : {}),
    }
  }

  async list(): Promise<StoredSecret[]> {
    const out: StoredSecret[] = []
    let token: string | undefined
    do {
      const page: { SecretList?: { Name?: string; Tags?: Tag[]; CreatedDate?: Date }[]; NextToken?: string } =
        await this.call(
          (sdk) =>
            new sdk.ListSecretsCommand({
              Filters: [{ Key: 'name', Values: [`${this.config.prefix}/`] }],
              MaxResults: 100,
              ...(token ? { NextToken: token } : {}),
            }),
          'ListSecrets',
        )
      for (const s of page.SecretList ?? []) {
        const name = s.Name?.slice(this.config.prefix.length + 1) ?? ''
        if (s.Name?.startsWith(`${this.config.prefix}/`) && /^[a-z0-9_]+(\.pub)?$/.test(name))
          out.push(this.toStored(name, s))
      }
      token = page.NextToken
    } while (token)
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async read(name: string): Promise<SecretValue | undefined> {
    const res = await this.call<{ SecretString?: string } | null>(
      (sdk) => new sdk.GetSecretValueCommand({ SecretId: this.secretId(name) }),
      `GetSecretValue ${this.secretId(name)}`,
      null,
    )
    return res?.SecretString
  }

  /** Put the value beside the current one as AWSPENDING (rotation's DISTRIBUTED step); the current value stays current. */
  async stage(name: string, value: SecretValue, meta: WriteMeta): Promise<void> {
    const id = this.secretId(name)
    const token = versionIdOf(name, meta.fingerprint)
    const d = await this.describe(name)
    if (!d) return void (await this.write(name, value, meta))
    if (
      d.VersionIdsToStages?.[token]?.includes('AWSPENDING') ||
      d.VersionIdsToStages?.[token]?.includes('AWSCURRENT')
    )
      return
    await this.call(
      (sdk) =>
        new sdk.PutSecretValueCommand({
          SecretId: id,
          SecretString: value,
          ClientRequestToken: token,
          VersionStages: ['AWSPENDING'],
        }),
      `PutSecretValue ${id}`,
    )
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    const id = this.secretId(name)
    const token = versionIdOf(name, meta.fingerprint)
    const d = await this.describe(name)
    const stages = d?.VersionIdsToStages ?? {}
    const current = Object.entries(stages).find(([, s]) => s.includes('AWSCURRENT'))?.[0]
    const tags = Object.fromEntries((d?.Tags ?? []).map((t) => [t.Key, t.Value]))
    if (!d) {
      await this.call(
        (sdk) =>
          new sdk.CreateSecretCommand({
            Name: id,
            SecretString: value,
            ClientRequestToken: token,
            Tags: this.tags(meta, { version: 1, created: meta.at }),
          }),
        `CreateSecret ${id}`,
      )
      return this.toStored(name, { Tags: this.tags(meta, { version: 1, created: meta.at }) })
    }
    if (current === token) return this.toStored(name, d)
    if (stages[token])
      // staged earlier (AWSPENDING): move AWSCURRENT to it; AWS labels the old one AWSPREVIOUS
      await this.call(
        (sdk) =>
          new sdk.UpdateSecretVersionStageCommand({
            SecretId: id,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: token,
            ...(current ? { RemoveFromVersionId: current } : {}),
          }),
        `UpdateSecretVersionStage ${id}`,
      )
    else
      await this.call(
        (sdk) =>
          new sdk.PutSecretValueCommand({ SecretId: id, SecretString: value, ClientRequestToken: token }),
        `PutSecretValue ${id}`,
      )
    const next = this.tags(meta, {
      version: Number(tags['hush:version'] ?? 1) + 1,
      created: tags['hush:created'] ?? meta.at,
      rotated: meta.rotated ? meta.at : tags['hush:rotated'],
    })
    await this.call((sdk) => new sdk.TagResourceCommand({ SecretId: id, Tags: next }), `TagResource ${id}`)
    return this.toStored(name, { Tags: next })
  }

  private tags(
    meta: WriteMeta,
    v: { version: number; created: string; rotated?: string | undefined },
  ): Tag[] {
    return [
      { Key: 'hush:fingerprint', Value: meta.fingerprint },
      { Key: 'hush:version', Value: String(v.version) },
      { Key: 'hush:source', Value: meta.source },
      { Key: 'hush:created', Value: v.created },
      { Key: 'hush:at', Value: meta.at },
      ...(v.rotated ? [{ Key: 'hush:rotated', Value: v.rotated }] : []),
    ]
  }

  writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]> {
    return writeEach(this, entries)
  }

  async remove(name: string): Promise<void> {
    await this.call(
      (sdk) =>
        new sdk.DeleteSecretCommand({ SecretId: this.secretId(name), ForceDeleteWithoutRecovery: true }),
      `DeleteSecret ${this.secretId(name)}`,
      null,
    )
  }
}

/** The AWS settings the aws and ssm stores share: region, endpoint, profile and the name prefix. */
export function awsConfig(settings: StoreSettings, context: StoreContext): AwsConfig {
  const region = option(settings, 'region') ?? context.processEnv.AWS_REGION
  const endpoint = option(settings, 'endpoint')
  const profile = option(settings, 'profile')
  return {
    prefix: prefixOf(settings, context.project),
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(profile ? { profile } : {}),
  }
}

export const AWS_SETTINGS = {
  prefix: prefix.describe('the name prefix (default <project>/<env>)'),
  region: text.describe('the region (default AWS_REGION)'),
  endpoint: text.describe('a custom API endpoint (VPC or private endpoint, LocalStack)'),
  profile: text.describe('the shared-config profile (default AWS_PROFILE)'),
}

/** External Secrets' aws provider block for a service (SecretsManager or ParameterStore). */
export function esoAws(service: string, settings: StoreSettings | undefined): Record<string, unknown> {
  return {
    aws: {
      service,
      region: (settings && option(settings, 'region')) ?? 'eu-west-1',
      auth: { jwt: { serviceAccountRef: { name: 'external-secrets' } } },
    },
  }
}

export const awsStore: StoreDescriptor = {
  kind: 'aws',
  summary: 'AWS Secrets Manager: one secret per entry, AWSPENDING staging, version stages',
  settings: AWS_SETTINGS,
  capabilities: CAPABILITIES,
  open: (settings, context) => new AwsStore(awsConfig(settings, context)),
  externalSecrets: {
    remoteKey: (prefix, entry) => `${prefix}/${entry}`,
    providerSpec: (settings) => esoAws('SecretsManager', settings),
  },
}
