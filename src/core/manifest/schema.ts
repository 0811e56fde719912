/**
 * The zod schema of hush.yaml. It checks shapes only; cross-references
 * (derive inputs, services, rotators, environments) are checked by rules.ts
 * after normalization. schema/hush.schema.json is generated from this file.
 */
import { z } from 'zod'

export const DURATION_PATTERN = /^(\d+)(s|m|h|d|w|y)$/
export const GENERATOR_KINDS = [
  'base64',
  'base64url',
  'hex',
  'password',
  'alnum',
  'uuid',
  'ed25519',
  'rsa',
] as const
export const STORE_KINDS = [
  'files',
  'dotenv',
  'swarm',
  'sealed',
  'k8s',
  'vault',
  'aws',
  'gcp',
  'azure',
  'ssm',
] as const
const NAME = /^[a-z0-9_]+$/

const name = (what: string) =>
  z.string().regex(NAME, { error: `expected a ${what} of lower-case letters, digits and underscores` })
const duration = z.string().regex(DURATION_PATTERN, { error: 'expected a duration like 30d' })

const generatorString = z.string().regex(new RegExp(`^(${GENERATOR_KINDS.join('|')})(:\\d+)?$`), {
  error: `expected kind[:size] with kind one of ${GENERATOR_KINDS.join(', ')} (e.g. base64:32, password:24)`,
})

const generatorObject = z
  .strictObject({
    kind: z.enum(GENERATOR_KINDS),
    size: z.number().int().positive().optional().describe('bytes for base64/base64url/hex, bits for rsa'),
    length: z.number().int().positive().optional().describe('characters for password/alnum'),
    charset: z.string().min(2).optional().describe('the exact characters to draw from (password/alnum)'),
    symbols: z.string().optional().describe('symbols added to letters and digits (password; default "-._~")'),
    exclude: z.string().optional().describe('characters to leave out, e.g. look-alikes "0O1lI"'),
  })
  .describe('a generator with options')

const rotateObject = z.strictObject({
  every: duration.optional().describe('rotation period, e.g. 30d'),
  strategy: z.enum(['replace', 'keyring', 'manual']).optional(),
  grace: duration.optional().describe('how long the previous value stays valid (keyring)'),
  via: name('rotator name')
    .optional()
    .describe('the rotator (from `rotators:`) that applies the value to a server'),
  mirror: z
    .boolean()
    .optional()
    .describe('keyring: also keep <name> as a copy of the primary (default true)'),
})

const secret = z
  .strictObject({
    description: z.string().optional(),
    category: z.string().optional(),
    generate: z.union([generatorString, generatorObject]).optional(),
    value: z
      .string()
      .optional()
      .describe('a fixed value, still distributed like a secret (e.g. a user name)'),
    derive: z
      .string()
      .optional()
      .describe('a template over other secrets: "postgresql://{{user}}:{{password}}@db/app"'),
    provide: z.literal(true).optional().describe('a person supplies the value with `hush set`'),
    required: z.array(z.string()).optional().describe('the environments that need it (default: all)'),
    optional: z.boolean().optional(),
    pattern: z.string().optional().describe('a regular expression the value must match'),
    rotate: z.union([duration, rotateObject, z.literal(false)]).optional(),
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' })
      .optional(),
  })
  .describe('one secret')

const environment = z.looseObject({
  store: z.enum(STORE_KINDS).optional().describe('where the values live (default files)'),
  path: z
    .string()
    .optional()
    .describe('files and swarm: the local directory of values; dotenv: a .env file (relative to hush.yaml)'),
  prefix: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_./-]*$/, { error: 'expected letters, digits, ".", "_", "-" or "/"' })
    .optional()
    .describe(
      'swarm: the secret-name prefix and hush.project label (default: the project name; no "/"); vault: the path under the mount; aws, ssm, gcp, azure: the name prefix (default: <project>/<env>; gcp and azure turn "/", "_" and "." into "-")',
    ),
  address: z
    .string()
    .optional()
    .describe(
      'vault: the server address (default VAULT_ADDR); azure: the Key Vault URL (default AZURE_KEYVAULT_URL)',
    ),
  region: z.string().optional().describe('aws, ssm: the region (default AWS_REGION)'),
  endpoint: z
    .string()
    .optional()
    .describe('aws, ssm, gcp: a custom API endpoint (VPC or private endpoint, LocalStack)'),
  profile: z.string().optional().describe('aws, ssm: the shared-config profile (default AWS_PROFILE)'),
  kms_key: z.string().optional().describe('ssm: the KMS key of SecureString parameters (default aws/ssm)'),
  gcp_project: z
    .string()
    .optional()
    .describe('gcp: the Google Cloud project id (default GOOGLE_CLOUD_PROJECT)'),
  namespace: z
    .string()
    .optional()
    .describe('k8s: the namespace (default default); vault: the Vault namespace'),
  name: z.string().optional().describe('k8s: the Secret holding the environment (default <project>-<env>)'),
  context: z.string().optional().describe('k8s: the kubeconfig context (default the current one)'),
  mount: z.string().optional().describe('vault: the KV v2 mount (default secret)'),
  distribute_to: z
    .array(name('environment name'))
    .optional()
    .describe(
      'environments whose stores mirror this one: hush push without --to copies to them, and rotation distributes to them (staged where the store can, e.g. AWSPENDING)',
    ),
  converge_timeout: duration
    .optional()
    .describe('swarm: how long a service update may take before hush rolls it back (default 5m)'),
})

const rotator = z.looseObject({ type: z.string() })

const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source)
      return true
    } catch {
      return false
    }
  },
  { error: 'expected a JavaScript regular expression' },
)

const scanRule = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'expected an id of lower-case letters, digits and -' }),
  description: z.string().optional(),
  keywords: z
    .array(z.string().min(2))
    .min(1)
    .describe('literals that must occur near a match (case-insensitive); the regex runs only around them'),
  regex: regexSource.describe('group 1 (or the whole match) is the secret'),
  entropy: z.number().min(0).max(8).optional().describe('minimum Shannon entropy in bits per character'),
  case_insensitive: z.boolean().optional(),
})

const scan = z.strictObject({
  rules: z.array(scanRule).optional().describe('rules added to the built-in set'),
  allow: z
    .strictObject({
      paths: z.array(z.string()).optional().describe('globs (** and *) of files never reported'),
      fingerprints: z
        .array(z.string())
        .optional()
        .describe('finding ids (from scan --format json) or secret fingerprints never reported'),
    })
    .optional(),
})

export const manifestSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    project: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, {
      error: 'expected a project name of lower-case letters, digits, ".", "_" or "-"',
    }),
    environments: z.record(name('environment name'), environment).optional(),
    defaults: z.strictObject({ rotate: duration.optional() }).optional(),
    secrets: z.record(name('secret name'), secret),
    services: z.record(z.string(), z.array(name('secret name'))).optional(),
    rotators: z.record(name('rotator name'), rotator).optional(),
    scan: scan.optional().describe('hush scan: extra rules and allowlists'),
    seal: z
      .strictObject({
        recipients: z
          .array(
            z.string().regex(/^age1[02-9ac-hj-np-z]{58}$/, { error: 'expected an age recipient (age1…)' }),
          )
          .optional()
          .describe('age public keys that hush seal and sealed stores encrypt to'),
      })
      .optional(),
  })
  .describe('hush manifest: the secrets of a project, where they live and how they are made')

export type RawManifest = z.infer<typeof manifestSchema>
export type RawSecret = z.infer<typeof secret>
export type RawGenerator = z.infer<typeof generatorObject>
