/**
 * The zod schema of hush.yaml. It checks shapes only; cross-references
 * (derive inputs, services, rotators, environments) are checked by rules.ts
 * after normalization. schema/hush.schema.json is generated from this file.
 */
import { z } from 'zod'
import { MAX_PATTERN_LENGTH } from '../../lib/linear-regex.js'
import { SIGNER } from '../../lib/signing.js'
import { DEFAULT_STORE, STORE_KINDS, STORES } from '../../stores/registry.js'
import { duration } from '../../stores/settings.js'

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

/**
 * The size each generator kind takes (GeneratorSpec.size): its unit, its default and the bounds
 * hush.yaml may ask for, checked when the manifest loads (docs/manifest.md lists them). uuid and
 * ed25519 take no size.
 */
export const GENERATOR_SIZES: Readonly<
  Record<
    (typeof GENERATOR_KINDS)[number],
    { unit: 'bytes' | 'characters' | 'bits'; default: number; min: number; max: number } | undefined
  >
> = {
  base64: { unit: 'bytes', default: 32, min: 16, max: 1024 },
  base64url: { unit: 'bytes', default: 32, min: 16, max: 1024 },
  hex: { unit: 'bytes', default: 32, min: 16, max: 1024 },
  password: { unit: 'characters', default: 24, min: 12, max: 256 },
  alnum: { unit: 'characters', default: 24, min: 12, max: 256 },
  rsa: { unit: 'bits', default: 3072, min: 2048, max: 8192 },
  uuid: undefined,
  ed25519: undefined,
}

const NAME = /^[a-z0-9_]+$/

const name = (what: string) =>
  z.string().regex(NAME, { error: `expected a ${what} of lower-case letters, digits and underscores` })

/** A regular expression from the manifest; normalize compiles it on RE2 (lib/linear-regex.ts). */
const regexSource = z.string().max(MAX_PATTERN_LENGTH, {
  error: `expected a regular expression of at most ${MAX_PATTERN_LENGTH} characters`,
})

/** A glob of scan.allow.paths; the longest one still fits MAX_PATTERN_LENGTH once turned into a regex. */
const MAX_GLOB_LENGTH = 200

const generatorString = z.string().regex(new RegExp(`^(${GENERATOR_KINDS.join('|')})(:\\d+)?$`), {
  error: `expected kind[:size] with kind one of ${GENERATOR_KINDS.join(', ')} (e.g. base64:32, password:24)`,
})

const generatorObject = z
  .strictObject({
    kind: z.enum(GENERATOR_KINDS),
    size: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('bytes for base64/base64url/hex (16 to 1024), bits for rsa (2048 to 8192)'),
    length: z.number().int().positive().optional().describe('characters for password/alnum (12 to 256)'),
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
  consumers: z
    .enum(['restart'])
    .optional()
    .describe(
      'how consumers learn a new value when no rotator or key ring does: restart (the services in services: restart; only the application holds the value)',
    ),
  retain: duration
    .optional()
    .describe('how long the previous value is kept in .hush/history for hush rollback (default 30d)'),
})

const secret = z
  .strictObject({
    description: z.string().optional(),
    category: z.string().optional(),
    generate: z.union([generatorString, generatorObject]).optional(),
    value: z
      .string()
      .min(1, { error: 'expected a value; an empty value is no value' })
      .optional()
      .describe('a fixed value, still distributed like a secret (e.g. a user name)'),
    derive: z
      .string()
      .optional()
      .describe('a template over other secrets: "postgresql://{{user}}:{{password}}@db/app"'),
    provide: z.literal(true).optional().describe('a person supplies the value with `hush set`'),
    required: z.array(z.string()).optional().describe('the environments that need it (default: all)'),
    optional: z.boolean().optional(),
    pattern: regexSource
      .optional()
      .describe(
        `a regular expression the value must match (RE2 syntax, at most ${MAX_PATTERN_LENGTH} characters)`,
      ),
    rotate: z.union([duration, rotateObject, z.literal(false)]).optional(),
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' })
      .optional(),
  })
  .describe('one secret')

/** Every key a store's descriptor reads, described per store ("files: …; swarm: …"). */
function storeSettingsShape(): Record<string, z.ZodType> {
  const byKey = new Map<string, { schema: z.ZodType; said: string[] }>()
  for (const store of STORES)
    for (const [key, schema] of Object.entries(store.settings)) {
      const seen = byKey.get(key) ?? { schema, said: [] }
      seen.said.push(`${store.kind}: ${schema.description ?? ''}`)
      byKey.set(key, seen)
    }
  return Object.fromEntries(
    [...byKey].map(([key, { schema, said }]) => [key, schema.optional().describe(said.join('; '))]),
  )
}

const storeSettings = storeSettingsShape()

const environment = z.looseObject({
  ...storeSettings,
  store: z
    .enum(STORE_KINDS as [string, ...string[]])
    .optional()
    .describe(`where the values live (default ${DEFAULT_STORE})`),
  path: z
    .string()
    .optional()
    .describe(storeSettings.path?.description ?? 'the local file or directory of values'),
  distribute_to: z
    .array(name('environment name'))
    .optional()
    .describe(
      'environments whose stores mirror this one: hush push without --to copies to them, and rotation distributes to them (staged where the store can, e.g. AWSPENDING)',
    ),
})

const rotator = z.looseObject({ type: z.string() })

const scanRule = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'expected an id of lower-case letters, digits and -' }),
  description: z.string().optional(),
  keywords: z
    .array(z.string().min(2))
    .min(1)
    .describe('literals that must occur near a match (case-insensitive); the regex runs only around them'),
  regex: regexSource.describe('group 1 (or the whole match) is the secret (RE2 syntax)'),
  entropy: z.number().min(0).max(8).optional().describe('minimum Shannon entropy in bits per character'),
  case_insensitive: z.boolean().optional(),
})

const scan = z.strictObject({
  rules: z.array(scanRule).optional().describe('rules added to the built-in set'),
  allow: z
    .strictObject({
      paths: z
        .array(
          z
            .string()
            .max(MAX_GLOB_LENGTH, { error: `expected a glob of at most ${MAX_GLOB_LENGTH} characters` }),
        )
        .optional()
        .describe('globs (** and *) of files never reported'),
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
        signers: z
          .array(
            z.string().regex(SIGNER, {
              error: 'expected a hush signing key (hush-ed25519:…; hush keygen --signing prints yours)',
            }),
          )
          .optional()
          .describe(
            'Ed25519 public keys (hush-ed25519:…) whose signed bundles hush unseal accepts; anything else needs --allow-unsigned',
          ),
      })
      .optional(),
  })
  .describe('hush manifest: the secrets of a project, where they live and how they are made')

export type RawManifest = z.infer<typeof manifestSchema>
export type RawSecret = z.infer<typeof secret>
export type RawGenerator = z.infer<typeof generatorObject>
