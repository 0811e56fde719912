/**
 * Turn a schema-valid raw manifest into the normalized form every command
 * uses, collecting rule violations as dotted-path messages.
 */
import { resolve } from 'node:path'
import { durationMs } from '../../lib/duration.js'
import { compileLinearRegex, type LinearRegex } from '../../lib/linear-regex.js'
import { envNameOf } from '../../lib/names.js'
import { DEFAULT_STORE, descriptorOf } from '../../stores/registry.js'
import { GENERATOR_SIZES, type RawGenerator, type RawManifest, type RawSecret } from './schema.js'
import type {
  EnvironmentSpec,
  GeneratorKind,
  GeneratorSpec,
  Manifest,
  RotationPolicy,
  ScanSettings,
  SecretSpec,
} from './types.js'

const LETTERS_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
/** RFC 3986 unreserved symbols: safe in URLs (derive templates), shells (quoted) and YAML. */
export const DEFAULT_SYMBOLS = '-._~'
export const TEMPLATE_REF = /\{\{\s*([a-z0-9_]+)(?:\s*\|\s*([a-z0-9]+))?\s*\}\}/g
export const TEMPLATE_FILTERS = ['url', 'base64'] as const

export interface Problems {
  errors: string[]
  warnings: string[]
}

export function normalizeGenerator(
  raw: string | RawGenerator,
  at: string,
  problems: Problems,
): GeneratorSpec {
  const obj: RawGenerator =
    typeof raw === 'string'
      ? (() => {
          const [kind, size] = raw.split(':')
          return { kind: kind as GeneratorKind, ...(size ? { size: Number(size) } : {}) }
        })()
      : raw
  const kind = obj.kind
  const textual = kind === 'password' || kind === 'alnum'
  const asked = obj.length ?? obj.size
  const bounds = GENERATOR_SIZES[kind]
  const size = bounds ? (asked ?? bounds.default) : 0
  if (!bounds && asked !== undefined) problems.errors.push(`${at}: ${kind} takes no size`)
  if (bounds && (size < bounds.min || size > bounds.max))
    problems.errors.push(
      `${at}: ${kind} takes ${bounds.min} to ${bounds.max} ${bounds.unit}${bounds.unit === 'bytes' ? ' of randomness' : ''}, not ${size}`,
    )
  else if (kind === 'rsa' && size % 8 !== 0)
    problems.errors.push(`${at}: rsa keys need a multiple of 8 bits, not ${size}`)
  if (!textual && (obj.charset || obj.symbols !== undefined || obj.exclude))
    problems.errors.push(`${at}: charset, symbols and exclude apply to password and alnum only`)
  if (!textual) return { kind, size }
  let charset = obj.charset ?? LETTERS_DIGITS + (kind === 'password' ? (obj.symbols ?? DEFAULT_SYMBOLS) : '')
  if (obj.exclude) charset = [...charset].filter((c) => !obj.exclude!.includes(c)).join('')
  charset = [...new Set(charset)].join('')
  if (charset.length < 2)
    problems.errors.push(`${at}: the character set needs at least 2 distinct characters`)
  return { kind, size, charset }
}

/** How long a rotation keeps the previous value for `hush rollback` unless `retain:` says otherwise. */
export const DEFAULT_RETAIN = '30d'

function normalizeRotation(
  raw: RawSecret['rotate'],
  defaultEvery: string | undefined,
  source: SecretSpec['source'],
): RotationPolicy | undefined {
  if (raw === false) return undefined
  const obj = typeof raw === 'string' ? { every: raw } : (raw ?? {})
  const strategy = obj.strategy ?? (source === 'provided' ? 'manual' : 'replace')
  // a default period applies to what hush makes; fixed values and derived ones follow their inputs
  const every = obj.every ?? (raw !== undefined || source === 'generated' ? defaultEvery : undefined)
  if (raw === undefined && every === undefined) return undefined
  return {
    strategy,
    mirror: obj.mirror ?? true,
    ...(every ? { every, everyMs: durationMs(every) } : {}),
    ...(obj.grace ? { grace: obj.grace, graceMs: durationMs(obj.grace) } : {}),
    ...(obj.via ? { via: obj.via } : {}),
    ...(obj.consumers ? { consumers: obj.consumers } : {}),
    retainMs: durationMs(obj.retain ?? DEFAULT_RETAIN),
  }
}

function normalizeSecret(
  name: string,
  raw: RawSecret,
  defaultEvery: string | undefined,
  problems: Problems,
): SecretSpec | undefined {
  const at = `secrets.${name}`
  const given = (['generate', 'value', 'derive', 'provide'] as const).filter((k) => raw[k] !== undefined)
  if (given.length !== 1) {
    problems.errors.push(
      given.length === 0
        ? `${at}: needs one of generate, value, derive or provide`
        : `${at}: ${given.join(' and ')} exclude each other; keep one`,
    )
    return undefined
  }
  let pattern: LinearRegex | undefined
  if (raw.pattern !== undefined) {
    const compiled = compileLinearRegex(raw.pattern)
    if (compiled.ok) pattern = compiled.regex
    else problems.errors.push(`${at}.pattern: ${compiled.problem}`)
  }
  const base = {
    name,
    env: raw.env ?? envNameOf(name),
    ...(raw.description ? { description: raw.description } : {}),
    ...(raw.category ? { category: raw.category } : {}),
    required: raw.optional ? [] : (raw.required ?? 'all'),
    ...(pattern ? { pattern } : {}),
  } as const
  if (raw.optional && raw.required) problems.errors.push(`${at}: optional and required exclude each other`)
  const kindOf = (): SecretSpec | undefined => {
    if (raw.generate !== undefined)
      return {
        ...base,
        source: 'generated',
        generator: normalizeGenerator(raw.generate, `${at}.generate`, problems),
      }
    if (raw.value !== undefined) return { ...base, source: 'fixed', value: raw.value }
    if (raw.derive !== undefined) {
      const inputs = [...raw.derive.matchAll(TEMPLATE_REF)].map((m) => {
        if (m[2] && !(TEMPLATE_FILTERS as readonly string[]).includes(m[2]))
          problems.errors.push(
            `${at}.derive: unknown filter "${m[2]}" (use ${TEMPLATE_FILTERS.join(' or ')})`,
          )
        return m[1]!
      })
      if (inputs.length === 0)
        problems.errors.push(`${at}.derive: the template references no secret ({{name}})`)
      return { ...base, source: 'derived', template: raw.derive, inputs: [...new Set(inputs)] }
    }
    return { ...base, source: 'provided' }
  }
  const spec = kindOf()
  if (!spec) return undefined
  const rotation = normalizeRotation(raw.rotate, defaultEvery, spec.source)
  if (rotation?.strategy === 'keyring' && spec.source !== 'generated')
    problems.errors.push(`${at}.rotate.strategy: keyring needs a generated secret (generate:)`)
  if (rotation && spec.source === 'fixed')
    problems.warnings.push(`${at}.rotate: a fixed value (value:) is not rotated; remove rotate`)
  return rotation ? { ...spec, rotation } : spec
}

function normalizeEnvironments(raw: RawManifest, root: string): Map<string, EnvironmentSpec> {
  const envs = new Map<string, EnvironmentSpec>()
  const entries = Object.entries(raw.environments ?? { development: {} })
  for (const [name, { store, path, ...options }] of entries) {
    const kind = store ?? DEFAULT_STORE
    // stores kept in a local file or directory have a default path; the others ignore path
    const defaultPath = descriptorOf(kind).defaultPath?.(name)
    const spec: EnvironmentSpec = {
      name,
      store: kind,
      options,
      ...(defaultPath !== undefined ? { path: resolve(root, path ?? defaultPath) } : {}),
    }
    envs.set(name, spec)
  }
  return envs
}

/** A secret rotated by a postgres rotator keeps its active role beside it (`app_db_password` → `app_db_user`). */
function withActiveRole(spec: SecretSpec, raw: RawManifest, problems: Problems): SecretSpec {
  const via = spec.rotation?.via
  const rotator = via ? raw.rotators?.[via] : undefined
  if (rotator?.type !== 'postgres') return spec
  const roles = rotator.roles
  if (roles === undefined && typeof rotator.role === 'string') return spec // single-role mode: no active-role entry
  if (
    !Array.isArray(roles) ||
    roles.length !== 2 ||
    !roles.every((r) => typeof r === 'string' && /^[a-z_][a-z0-9_]*$/.test(r))
  ) {
    problems.errors.push(`rotators.${via}.roles: expected two role names, e.g. [app_a, app_b]`)
    return spec
  }
  return { ...spec, activeRole: { entry: activeRoleEntryOf(spec.name), roles: [roles[0], roles[1]] } }
}

/** The store entry that names the active role of a postgres role pair: `app_db_password` → `app_db_user`. */
export function activeRoleEntryOf(secret: string): string {
  return secret.endsWith('_password') ? `${secret.slice(0, -'_password'.length)}_user` : `${secret}_user`
}

/** `scan.rules`, each regex checked by the same rule as `pattern:` (the scanner compiles it on RE2 too). */
function scanRules(raw: RawManifest, problems: Problems): ScanSettings['rules'] {
  const rules = raw.scan?.rules ?? []
  rules.forEach((rule, i) => {
    const compiled = compileLinearRegex(rule.regex, {
      caseInsensitive: rule.case_insensitive === true,
      multiline: true, // as the scanner runs it
    })
    if (!compiled.ok) problems.errors.push(`scan.rules.${i}.regex: ${compiled.problem}`)
  })
  return rules
}

export function normalizeManifest(
  raw: RawManifest,
  file: string,
  root: string,
  problems: Problems,
): Manifest {
  const defaultEvery = raw.defaults?.rotate
  const unordered: SecretSpec[] = []
  for (const [name, rawSecret] of Object.entries(raw.secrets)) {
    const spec = normalizeSecret(name, rawSecret, defaultEvery, problems)
    if (spec) unordered.push(withActiveRole(spec, raw, problems))
  }
  const environments = normalizeEnvironments(raw, root)
  for (const [name, env] of environments) {
    const rawPath = raw.environments?.[name]?.path
    if (env.path === undefined && rawPath !== undefined)
      problems.warnings.push(`environments.${name}.path: ignored by the ${env.store} store`)
    for (const problem of descriptorOf(env.store).problems?.(env, raw.project) ?? [])
      problems.errors.push(`environments.${name}.${problem}`)
  }
  return {
    project: raw.project,
    root,
    file,
    environments,
    secrets: unordered,
    byName: new Map(unordered.map((s) => [s.name, s])),
    services: raw.services ?? {},
    rotators: raw.rotators ?? {},
    sealRecipients: raw.seal?.recipients ?? [],
    sealSigners: raw.seal?.signers ?? [],
    scan: {
      rules: scanRules(raw, problems),
      allowPaths: raw.scan?.allow?.paths ?? [],
      allowFingerprints: raw.scan?.allow?.fingerprints ?? [],
    },
    warnings: problems.warnings,
  }
}
