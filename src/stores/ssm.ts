/**
 * AWS Systems Manager Parameter Store through the official SDK (`@aws-sdk/client-ssm`, loaded on
 * first use). Each entry is the parameter `/<prefix>/<entry>`: a SecureString (KMS-encrypted) for
 * secrets, a plain String for the manifest's fixed `value:` entries (non-secret config such as a user
 * name). hush's metadata is the parameter's description, written in the same PutParameter as the
 * value, so an interrupted push resumes without a second version. Intelligent-Tiering moves a
 * value over 4 KB to the advanced tier and leaves the rest standard (free).
 */
import type { ParameterMetadata, SSMClient } from '@aws-sdk/client-ssm'
import { assertMemberName } from '../lib/names.js'
import { loadSdk } from '../lib/optional-sdk.js'
import { AWS_SETTINGS, awsConfig, awsFailure, clientOptions, esoAws } from './aws.js'
import { capabilities } from './capabilities.js'
import { type Labels, nextLabels, storedOf } from './labels.js'
import { option, text } from './settings.js'
import type { SecretValue, Store, StoreDescriptor, StoredSecret, WriteEntry, WriteMeta } from './types.js'
import { writeEach } from './write-each.js'

export interface SsmConfig {
  /** the path prefix without slashes at either end (default `<project>/<env>`) */
  readonly prefix: string
  readonly region?: string
  /** a custom endpoint (VPC endpoints, LocalStack, tests) */
  readonly endpoint?: string
  readonly profile?: string
  /** the KMS key of SecureString parameters (default the account's aws/ssm key) */
  readonly kmsKey?: string
}

type Sdk = typeof import('@aws-sdk/client-ssm')

function labelsOf(description: string | undefined): Labels | undefined {
  try {
    return description ? (JSON.parse(description) as Labels) : undefined
  } catch {
    return undefined // a description a person wrote: not hush's
  }
}

const CAPABILITIES = capabilities({ versioned: true })

export class SsmStore implements Store {
  readonly kind = 'ssm'
  readonly capabilities = CAPABILITIES
  readonly location: string
  private client: Promise<{ sdk: Sdk; client: SSMClient }> | undefined

  constructor(private readonly config: SsmConfig) {
    this.location = `parameters ${config.region ?? process.env.AWS_REGION ?? ''} /${config.prefix}/`
  }

  private connect(): Promise<{ sdk: Sdk; client: SSMClient }> {
    this.client ??= loadSdk(() => import('@aws-sdk/client-ssm'), '@aws-sdk/client-ssm', 'the ssm store').then(
      (sdk) => ({
        sdk,
        client: new sdk.SSMClient(clientOptions(this.config)),
      }),
    )
    return this.client
  }

  /** Run a command; ParameterNotFound gives undefined, other AWS errors a HushError. */
  private async call<T>(make: (sdk: Sdk) => { input: unknown }, what: string): Promise<T | undefined> {
    const { sdk, client } = await this.connect()
    try {
      return (await client.send(make(sdk) as never)) as T
    } catch (err) {
      if ((err as { name?: string }).name === 'ParameterNotFound') return undefined
      throw awsFailure('AWS SSM Parameter Store', what, err)
    }
  }

  private parameter(name: string): string {
    assertMemberName(name)
    return `/${this.config.prefix}/${name}`
  }

  /** Every parameter under the prefix (or the one named), with its description. */
  private async describe(exactly?: string): Promise<ParameterMetadata[]> {
    const out: ParameterMetadata[] = []
    let token: string | undefined
    do {
      const page = await this.call<{ Parameters?: ParameterMetadata[]; NextToken?: string }>(
        (sdk) =>
          new sdk.DescribeParametersCommand({
            ParameterFilters: [
              exactly
                ? { Key: 'Name', Option: 'Equals', Values: [exactly] }
                : { Key: 'Name', Option: 'BeginsWith', Values: [`/${this.config.prefix}/`] },
            ],
            MaxResults: 50,
            ...(token ? { NextToken: token } : {}),
          }),
        `DescribeParameters /${this.config.prefix}/`,
      )
      out.push(...(page?.Parameters ?? []))
      token = page?.NextToken
    } while (token)
    return out
  }

  async list(): Promise<StoredSecret[]> {
    const out: StoredSecret[] = []
    for (const p of await this.describe()) {
      const stored = storedOf(labelsOf(p.Description))
      if (stored && p.Name === `/${this.config.prefix}/${stored.name}`) out.push(stored)
    }
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async read(name: string): Promise<SecretValue | undefined> {
    const res = await this.call<{ Parameter?: { Value?: string } }>(
      (sdk) => new sdk.GetParameterCommand({ Name: this.parameter(name), WithDecryption: true }),
      `GetParameter ${this.parameter(name)}`,
    )
    return res?.Parameter?.Value
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    const id = this.parameter(name)
    const [current] = await this.describe(id)
    const labels = labelsOf(current?.Description) ?? {}
    if (current && labels.hush_fingerprint === meta.fingerprint) return storedOf(labels)!
    const next = nextLabels(name, meta, labels)
    const secure = meta.source !== 'fixed'
    await this.call(
      (sdk) =>
        new sdk.PutParameterCommand({
          Name: id,
          Value: value,
          Type: secure ? 'SecureString' : 'String',
          ...(secure && this.config.kmsKey ? { KeyId: this.config.kmsKey } : {}),
          Overwrite: true,
          Tier: 'Intelligent-Tiering',
          Description: JSON.stringify(next),
        }),
      `PutParameter ${id}`,
    )
    return storedOf(next)!
  }

  writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]> {
    return writeEach(this, entries)
  }

  async remove(name: string): Promise<void> {
    await this.call(
      (sdk) => new sdk.DeleteParameterCommand({ Name: this.parameter(name) }),
      `DeleteParameter ${this.parameter(name)}`,
    )
  }
}

export const ssmStore: StoreDescriptor = {
  kind: 'ssm',
  summary: 'AWS SSM Parameter Store: SecureString for secrets, String for fixed config',
  settings: {
    ...AWS_SETTINGS,
    kms_key: text.describe('the KMS key of SecureString parameters (default aws/ssm)'),
  },
  capabilities: CAPABILITIES,
  open(settings, context) {
    const kmsKey = option(settings, 'kms_key')
    return new SsmStore({ ...awsConfig(settings, context), ...(kmsKey ? { kmsKey } : {}) })
  },
  externalSecrets: {
    remoteKey: (prefix, entry) => `/${prefix}/${entry}`,
    providerSpec: (settings) => esoAws('ParameterStore', settings),
  },
}
