/**
 * AWS Systems Manager Parameter Store through the official SDK (`@aws-sdk/client-ssm`, loaded on
 * first use). Each entry is the parameter `/<prefix>/<entry>`: a SecureString (KMS-encrypted) for
 * secrets, a plain String for the manifest's fixed `value:` entries (non-secret config such as a user
 * name). hush's metadata is the parameter's description, written in the same PutParameter as the
 * value, so an interrupted push resumes without a second version. The metadata names the parameter
 * version it was written with (`hush_parameter_version`): an overwrite outside hush keeps the
 * description but makes a new version, and from then on the labels are not trusted (list reports no
 * fingerprint, the next push writes the value again). Intelligent-Tiering moves a value over 4 KB to
 * the advanced tier and leaves the rest standard (free). Prefixes the service refuses (a first
 * segment beginning with `aws` or `ssm`, more than 15 levels) are refused when hush.yaml is loaded.
 */
import type { ParameterMetadata, SSMClient } from '@aws-sdk/client-ssm'
import { HushError } from '../lib/errors.js'
import { assertMemberName } from '../lib/names.js'
import { loadSdk } from '../lib/optional-sdk.js'
import { AWS_SETTINGS, awsConfig, awsFailure, clientOptions, esoAws } from './aws.js'
import { capabilities } from './capabilities.js'
import { type Labels, nextLabels, storedOf } from './labels.js'
import { option, prefixOf, text } from './settings.js'
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

/** The label naming the parameter version hush wrote the labels with (PutParameter numbers on from the last). */
const PINNED = 'hush_parameter_version'

/** Whether a parameter is still the version its labels were written with (else another writer came after). */
function labelsHold(p: ParameterMetadata, labels: Labels): boolean {
  return p.Version !== undefined && labels[PINNED] === String(p.Version)
}

/** Parameter Store's name levels: the prefix's segments and the entry. */
const MAX_LEVELS = 15

/**
 * What Parameter Store refuses of a prefix ("Requirements and constraints for parameter names"): a
 * first segment beginning with `aws` or `ssm` in any case (AccessDeniedException or
 * ValidationException at the first write), more than 15 levels with the entry, an empty level.
 */
export function ssmPrefixProblems(prefix: string): string[] {
  const segments = prefix.split('/')
  const first = segments[0]!.toLowerCase()
  const problems: string[] = []
  if (first.startsWith('aws') || first.startsWith('ssm'))
    problems.push(
      `Parameter Store refuses parameter names whose first segment begins with "aws" or "ssm" (any case), and "${segments[0]}" does`,
    )
  if (segments.some((s) => s === ''))
    problems.push('Parameter Store refuses an empty level ("//" or a trailing "/")')
  if (segments.length + 1 > MAX_LEVELS)
    problems.push(
      `Parameter Store allows ${MAX_LEVELS} levels in a name; /${prefix}/<entry> has ${segments.length + 1}`,
    )
  return problems
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
      const name = (err as { name?: string }).name
      if (name === 'ParameterNotFound') return undefined
      const failure = awsFailure('AWS SSM Parameter Store', what, err)
      if (name !== 'ParameterMaxVersionLimitExceeded') throw failure
      throw new HushError('HUSH_E_AWS', failure.message, {
        hint: 'Parameter Store keeps 100 versions and will not drop the oldest while it has a label: move the label to a newer version (aws ssm label-parameter-version) and run again',
      })
    }
  }

  private parameter(name: string): string {
    assertMemberName(name)
    return `/${this.config.prefix}/${name}`
  }

  /** Every parameter under the prefix (or the one named), with its description and version. */
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
        `DescribeParameters ${exactly ?? `/${this.config.prefix}/`}`,
      )
      out.push(...(page?.Parameters ?? []))
      token = page?.NextToken
    } while (token)
    return out
  }

  /** The labels' fingerprint only while the parameter is the version they were written with. */
  async list(): Promise<StoredSecret[]> {
    const out: StoredSecret[] = []
    for (const p of await this.describe()) {
      const labels = labelsOf(p.Description)
      const stored = storedOf(labels)
      if (stored && p.Name === `/${this.config.prefix}/${stored.name}`)
        out.push(labelsHold(p, labels!) ? stored : { ...stored, fingerprint: '' })
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
    // a resumed write finds its value in place; labels another writer came after prove nothing
    if (current && labelsHold(current, labels) && labels.hush_fingerprint === meta.fingerprint)
      return storedOf(labels)!
    const next = { ...nextLabels(name, meta, labels), [PINNED]: String((current?.Version ?? 0) + 1) }
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
  problems(settings, project) {
    const prefix = prefixOf(settings, project)
    const which = option(settings, 'prefix') ? prefix : `${prefix} (the default <project>/<env>: set prefix)`
    return ssmPrefixProblems(prefix).map((p) => `prefix: ${which}: ${p}`)
  },
  open(settings, context) {
    const kmsKey = option(settings, 'kms_key')
    return new SsmStore({ ...awsConfig(settings, context), ...(kmsKey ? { kmsKey } : {}) })
  },
  externalSecrets: {
    remoteKey: (prefix, entry) => `/${prefix}/${entry}`,
    providerSpec: (settings) => esoAws('ParameterStore', settings),
  },
}
