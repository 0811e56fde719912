import type { LinearRegex } from '../../lib/linear-regex.js'
import type { StoreSettings } from '../../stores/types.js'
import type { GENERATOR_KINDS } from './schema.js'

export type GeneratorKind = (typeof GENERATOR_KINDS)[number]

export interface GeneratorSpec {
  readonly kind: GeneratorKind
  /** bytes (base64, base64url, hex), characters (password, alnum), bits (rsa); 0 when not applicable */
  readonly size: number
  /** the characters drawn from (password, alnum) */
  readonly charset?: string
}

export interface RotationPolicy {
  readonly every?: string
  readonly everyMs?: number
  readonly strategy: 'replace' | 'keyring' | 'manual'
  readonly grace?: string
  readonly graceMs?: number
  readonly via?: string
  readonly mirror: boolean
  /** `restart`: only the application holds the value, so restarting its services is enough */
  readonly consumers?: 'restart'
  /** how long the previous value stays in .hush/history for `hush rollback` */
  readonly retainMs: number
}

export type SecretSpec = {
  readonly name: string
  readonly env: string
  readonly description?: string
  readonly category?: string
  /** 'all' or the environments that need it; `[]` when optional */
  readonly required: 'all' | readonly string[]
  /** `pattern:`, compiled on RE2 (linear-time matching) */
  readonly pattern?: LinearRegex
  readonly rotation?: RotationPolicy
  /**
   * Alternating-role database rotation: the store entry holding the active role's name
   * (`app_db_password` → `app_db_user`) and the roles it flips between.
   */
  readonly activeRole?: { readonly entry: string; readonly roles: readonly [string, string] }
} & (
  | { readonly source: 'generated'; readonly generator: GeneratorSpec }
  | { readonly source: 'fixed'; readonly value: string }
  | { readonly source: 'derived'; readonly template: string; readonly inputs: readonly string[] }
  | { readonly source: 'provided' }
)

/** An environment of hush.yaml: the store it names (a kind of stores/registry.ts) and that store's settings. */
export interface EnvironmentSpec extends StoreSettings {
  /** absolute path, for stores kept in a local file or directory */
  readonly path?: string
}

export interface Manifest {
  readonly project: string
  /** directory holding hush.yaml; relative paths resolve from here */
  readonly root: string
  readonly file: string
  readonly environments: ReadonlyMap<string, EnvironmentSpec>
  /** secrets in dependency order: every derive input comes before its dependants */
  readonly secrets: readonly SecretSpec[]
  readonly byName: ReadonlyMap<string, SecretSpec>
  readonly services: Readonly<Record<string, readonly string[]>>
  readonly rotators: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  readonly scan: ScanSettings
  /** age recipients for hush seal and sealed stores */
  readonly sealRecipients: readonly string[]
  /** Ed25519 public keys (`hush-ed25519:…`) whose signed bundles unseal accepts */
  readonly sealSigners: readonly string[]
  readonly warnings: readonly string[]
}

/** `scan:` in hush.yaml: rules added to the built-in set and what is never reported. */
export interface ScanSettings {
  readonly rules: readonly {
    readonly id: string
    readonly description?: string
    readonly keywords: readonly string[]
    readonly regex: string
    readonly entropy?: number
    readonly case_insensitive?: boolean
  }[]
  readonly allowPaths: readonly string[]
  readonly allowFingerprints: readonly string[]
}
