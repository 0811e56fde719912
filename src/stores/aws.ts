/**
 * AWS Secrets Manager through the official SDK (`@aws-sdk/client-secrets-manager`,
 * loaded on first use). Each entry is the secret `<prefix>/<entry>`; hush's
 * labels are tags. Every value is written with a ClientRequestToken derived from
 * its fingerprint, so the version id names the value: a retried write is a
 * no-op (AWS's own idempotency), and a value staged as AWSPENDING is promoted
 * to AWSCURRENT by moving the label, never by writing it again.
 *
 * A write is several calls (value, labels, tags), and each step is checked, not assumed, on the next
 * run: a value that returns after others (A → B → A) finds its old version without labels, which
 * PutSecretValue leaves as it is, so AWSCURRENT is moved to it; tags written after the value are
 * trusted only while they name the AWSCURRENT version (list reports an unknown fingerprint
 * otherwise), and a write finds them stale and rewrites them. A staged AWSPENDING ends when its value
 * becomes current or its rotation is aborted. A secret scheduled for deletion is never written over:
 * the error says how to restore it.
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

  /** The secret as a write needs it: null when absent; an error saying how to restore it when deletion is pending. */
  private async writable(name: string): Promise<DescribeSecretCommandOutput | null> {
    const d = await this.describe(name)
    if (d?.DeletedDate) throw scheduledForDeletion(this.secretId(name), d.DeletedDate)
    return d
  }

  /** Move (or with no `to`, remove) a staging label; AWS needs the version that holds it now. */
  private async moveStage(name: string, stage: string, to: string | undefined, from: string | undefined) {
    const id = this.secretId(name)
    await this.call(
      (sdk) =>
        new sdk.UpdateSecretVersionStageCommand({
          SecretId: id,
          VersionStage: stage,
          ...(to ? { MoveToVersionId: to } : {}),
          ...(from && from !== to ? { RemoveFromVersionId: from } : {}),
        }),
      `UpdateSecretVersionStage ${id}`,
    )
  }

  private toStored(
    name: string,
    d: { Tags?: Tag[]; CreatedDate?: Date; VersionIdsToStages?: Record<string, string[]> },
  ): StoredSecret {
    const tags = tagsOf(d.Tags)
    const versions = Object.keys(d.VersionIdsToStages ?? {}).length
    const fingerprint = tags['hush:fingerprint'] ?? ''
    // the tags describe the value only while AWSCURRENT is the version they name (a write cut before tagging)
    const current = holderOf(d.VersionIdsToStages, 'AWSCURRENT')
    const trusted = current === undefined || current === versionIdOf(name, fingerprint)
    return {
      name,
      version: Number(tags['hush:version'] ?? versions),
      fingerprint: trusted ? fingerprint : '',
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
      const page: {
        SecretList?: {
          Name?: string
          Tags?: Tag[]
          CreatedDate?: Date
          SecretVersionsToStages?: Record<string, string[]>
        }[]
        NextToken?: string
      } = await this.call(
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
          out.push(this.toStored(name, { ...s, VersionIdsToStages: s.SecretVersionsToStages ?? {} }))
      }
      token = page.NextToken
    } while (token)
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async read(name: string): Promise<SecretValue | undefined> {
    const id = this.secretId(name)
    const { sdk, client } = await this.connect()
    try {
      const res = await client.send(new sdk.GetSecretValueCommand({ SecretId: id }))
      return res.SecretString
    } catch (err) {
      const kind = (err as { name?: string }).name
      if (kind === 'ResourceNotFoundException') return undefined
      // AWS refuses the value of a secret scheduled for deletion: say so, and how to restore it
      const deleted =
        kind === 'InvalidRequestException' ? (await this.describe(name))?.DeletedDate : undefined
      throw deleted
        ? scheduledForDeletion(id, deleted)
        : awsFailure('AWS Secrets Manager', `GetSecretValue ${id}`, err)
    }
  }

  /** Put the value beside the current one as AWSPENDING (rotation's DISTRIBUTED step); the current value stays current. */
  async stage(name: string, value: SecretValue, meta: WriteMeta): Promise<void> {
    const token = versionIdOf(name, meta.fingerprint)
    const d = await this.writable(name)
    if (!d) return void (await this.write(name, value, meta))
    const stages = d.VersionIdsToStages ?? {}
    if (stages[token]?.includes('AWSPENDING') || stages[token]?.includes('AWSCURRENT')) return
    const put = await this.put(name, value, token, ['AWSPENDING'])
    // an earlier version of this value, without labels now: AWS left it as it was
    if (!put.VersionStages?.includes('AWSPENDING'))
      await this.moveStage(name, 'AWSPENDING', token, holderOf(stages, 'AWSPENDING'))
  }

  /** End a staged value that never became current (an aborted rotation): AWSPENDING comes off it. */
  async unstage(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const d = await this.describe(name)
      const pending = holderOf(d?.VersionIdsToStages, 'AWSPENDING')
      if (d && !d.DeletedDate && pending) await this.moveStage(name, 'AWSPENDING', undefined, pending)
    }
  }

  private put(name: string, value: SecretValue, token: string, stages?: string[]) {
    const id = this.secretId(name)
    return this.call<{ VersionStages?: string[] }>(
      (sdk) =>
        new sdk.PutSecretValueCommand({
          SecretId: id,
          SecretString: value,
          ClientRequestToken: token,
          ...(stages ? { VersionStages: stages } : {}),
        }),
      `PutSecretValue ${id}`,
    )
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    const id = this.secretId(name)
    const token = versionIdOf(name, meta.fingerprint)
    const d = await this.writable(name)
    const stages = d?.VersionIdsToStages ?? {}
    const current = holderOf(stages, 'AWSCURRENT')
    const pending = holderOf(stages, 'AWSPENDING')
    const tags = tagsOf(d?.Tags)
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
    const tagged = tags['hush:fingerprint'] === meta.fingerprint
    if (current === token && !pending && tagged) return this.toStored(name, d)
    // staged earlier (AWSPENDING): move AWSCURRENT to it; AWS labels the old one AWSPREVIOUS
    if (current !== token && stages[token]) await this.moveStage(name, 'AWSCURRENT', token, current)
    else if (current !== token) {
      const put = await this.put(name, value, token)
      // an earlier version of this value (A → B → A) has lost its labels; AWS left it as it was
      if (!put.VersionStages?.includes('AWSCURRENT')) await this.moveStage(name, 'AWSCURRENT', token, current)
    }
    // a staged value ends here: promoted (it is current now) or superseded by this write
    if (pending) await this.moveStage(name, 'AWSPENDING', undefined, pending)
    if (current === token && tagged) return this.toStored(name, d)
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

function tagsOf(tags: Tag[] | undefined): Record<string, string | undefined> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]))
}

/** The version that holds a staging label, if any. */
function holderOf(stages: Record<string, string[]> | undefined, stage: string): string | undefined {
  return Object.entries(stages ?? {}).find(([, s]) => s.includes(stage))?.[0]
}

function scheduledForDeletion(id: string, at: Date): HushError {
  return new HushError(
    'HUSH_E_AWS',
    `AWS Secrets Manager: ${id} is scheduled for deletion (on ${at.toISOString().slice(0, 10)}), so hush does not write over it`,
    {
      hint: `restore it with \`aws secretsmanager restore-secret --secret-id ${id}\` and run the command again (or delete it for good with --force-delete-without-recovery)`,
    },
  )
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
