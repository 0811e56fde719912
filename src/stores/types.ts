/**
 * The one store interface every backend implements. A store keeps values and
 * metadata for one environment; it never logs or returns values except from
 * `read`.
 */

import type { z } from 'zod'
import type { Fingerprinter } from '../lib/fingerprint.js'

/** A secret value as stored: text (keys are PEM). */
export type SecretValue = string

/** Where a value came from. */
export type SecretSource = 'generated' | 'provided' | 'fixed' | 'derived'

/** Metadata kept beside each value. Never contains the value. */
export interface StoredSecret {
  readonly name: string
  readonly version: number
  /** HMAC fingerprint of the value (see lib/fingerprint). */
  readonly fingerprint: string
  readonly createdAt: string
  readonly updatedAt: string
  readonly rotatedAt?: string
  readonly source?: SecretSource
}

/** What the caller tells the store about a write. */
export interface WriteMeta {
  readonly fingerprint: string
  readonly source: SecretSource
  /** ISO timestamp of the write (from the injected clock). */
  readonly at: string
  /** True when the new value replaces the credential (a rotation or a `set` of a new value). */
  readonly rotated?: boolean
}

export interface WriteEntry {
  readonly name: string
  readonly value: SecretValue
  readonly meta: WriteMeta
}

/** A local file that backs a store, for permission and git checks. */
export interface BackingPath {
  readonly path: string
  readonly type: 'file' | 'dir'
  /** The store entry the file holds, when it holds one. */
  readonly name?: string
}

/** What a backend can do; core asks for these and never compares store kinds. */
export interface StoreCapabilities {
  /** Values live in local files that `check` can inspect for mode, owner and git status. */
  readonly localFiles: boolean
  /** One file per entry in a directory, the Docker-secrets layout a container can mount. */
  readonly secretFiles: boolean
  /** `read` returns values (false for Swarm, which never hands a value back). */
  readonly returnsValues: boolean
  /** The backend keeps older versions beside the current one. */
  readonly versioned: boolean
  /** hush's metadata (fingerprint, version, source) travels with the value on the backend. */
  readonly labels: boolean
  /** `stage` puts a value beside the current one without making it current (AWSPENDING). */
  readonly stage: boolean
  /** Metadata updates are check-and-set (an etag or a version), so concurrent writers cannot both win. */
  readonly checkAndSet: boolean
  /** Distributing to it moves its consumers onto the new values (swarm services, k8s rollouts). */
  readonly rollsConsumers: boolean
}

export interface Store {
  readonly kind: string
  /** Where the store lives (a path, a URL); messages show it after the kind. Two stores with one location are the same store. */
  readonly location: string
  readonly capabilities: StoreCapabilities
  /** Names and metadata of every stored entry, never values. */
  list(): Promise<StoredSecret[]>
  /** The value with exactly one trailing newline stripped, or `undefined` when absent (or empty, once opened by openStore). */
  read(name: string): Promise<SecretValue | undefined>
  write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret>
  /** Write many entries, committing metadata once (a crash leaves each value old or new). */
  writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]>
  remove(name: string): Promise<void>
  /**
   * Stores whose write has a second half beyond the values (k8s: rolling the Deployments that use
   * the Secret): finish one a cut-off run left undone; nothing when none is. Write commands (push,
   * pull, rotate) call it first, so the next run converges even when it has nothing to write.
   */
  settle?(): Promise<void>
  /**
   * Put a value beside the current one without making it current (AWS: AWSPENDING); the next
   * write of the same value promotes it. Rotation's DISTRIBUTED step uses it where it exists.
   */
  stage?(name: string, value: SecretValue, meta: WriteMeta): Promise<void>
  /** Stores that stage: end what `stage` put beside these entries' current values (an aborted rotation). */
  unstage?(names: readonly string[]): Promise<void>
  /** Local files behind the store (only when `capabilities.localFiles`). */
  backingPaths?(): Promise<BackingPath[]>
  /**
   * Stores that roll consumers: put the values in and move every consumer onto them, waiting until
   * they converge (a consumer that does not is rolled back and the call fails).
   */
  roll?(entries: readonly WriteEntry[], progress?: (event: RollEvent) => void): Promise<RollReport>
  /**
   * Stores that roll consumers, read-only: the consumers that mount any of these entries and how
   * each will restart onto new values (what a rotation plan shows).
   */
  restarts?(entries: readonly string[]): Promise<ConsumerRestart[]>
  /** Versioned stores: delete the versions of these entries (entry → kept fingerprint) that no consumer uses. */
  dropStale?(keep: ReadonlyMap<string, string>): Promise<string[]>
  /**
   * Versioned stores: what prune would delete — versions of undeclared entries, and versions of
   * declared ones other than the kept fingerprint unless an open job holds the entry — and a way to.
   */
  planPrune?(
    declared: ReadonlySet<string>,
    keep: ReadonlyMap<string, string>,
    held: ReadonlySet<string>,
  ): Promise<{ items: PruneItem[]; apply(): Promise<void> }>
  /**
   * Stores that roll consumers: what is wrong with them (consumers of missing versions, consumers
   * lacking entries `expected` says they consume, names `referenced` elsewhere that do not exist).
   */
  consumerProblems?(
    expected: ReadonlyMap<string, readonly string[]>,
    referenced: ReadonlyMap<string, readonly string[]>,
  ): Promise<{ consumers: number; problems: string[] }>
  /** Versioned stores: the object each entry is (or will be) at, and whether that is an older version coming back. */
  places?(
    entries: readonly { readonly name: string; readonly fingerprint: string }[],
  ): Promise<Map<string, { object: string; existing: boolean }>>
}

/** A version (or entry) prune would delete, or keep because a consumer still uses it. */
export interface PruneItem {
  readonly entry: string
  readonly object: string
  readonly reason: 'not in hush.yaml' | 'superseded'
  /** the consumers that still use it: kept */
  readonly usedBy?: readonly string[]
}

export interface RollReport {
  /** objects created */
  readonly created: string[]
  /** consumers moved onto the new values */
  readonly services: string[]
}

/** How a consumer restarts onto new values: its new task before the old one stops, or after. */
export interface ConsumerRestart {
  readonly service: string
  readonly order: 'start-first' | 'stop-first'
  /** why the consumer keeps stop-first (a host port, the host network, a writable volume, its label) */
  readonly reason?: string
  /** the entries asked about that it mounts */
  readonly entries: readonly string[]
}

/** Progress of a roll, names and counts only: a consumer's update and convergence, or a warning. */
export type RollEvent =
  | {
      readonly event: 'service'
      readonly service: string
      readonly state: 'updating' | 'converging' | 'converged' | 'rolled back'
      /** with `updating`: the order the update runs in, and why when stop-first */
      readonly order?: ConsumerRestart['order']
      readonly reason?: string
      /** with `converging`: tasks running (any version), running on the new values, and meant to run */
      readonly running?: number
      readonly updated?: number
      readonly desired?: number
    }
  | { readonly event: 'warning'; readonly message: string }

/** The part of an environment in hush.yaml a store reads (core's EnvironmentSpec is one). */
export interface StoreSettings {
  readonly name: string
  readonly store: string
  /** absolute path, for stores that live in a local file or directory */
  readonly path?: string
  readonly options: Readonly<Record<string, unknown>>
}

/** What opening a store may need beyond its settings. */
export interface StoreContext {
  readonly fingerprint: Fingerprinter
  /** maps a store entry to its env name (dotenv keys) */
  readonly envNameOf?: (name: string) => string
  /** the process environment (credentials: VAULT_ADDR, VAULT_TOKEN, …) */
  readonly processEnv: Readonly<Record<string, string | undefined>>
  /** the project's name (default prefixes and object names) */
  readonly project: string
  /** age recipients of sealed stores (hush.yaml's seal.recipients) */
  readonly sealRecipients: readonly string[]
  /** a store file that exists but hush did not create may be taken over (`--adopt`, never hush.yaml) */
  readonly adopt?: boolean
}

/** How External Secrets Operator reads what a store writes (`hush export external-secrets`). */
export interface ExternalSecretsProvider {
  /** the remote key of an entry, as the store names it */
  remoteKey(prefix: string, entry: string): string
  /** the `spec.provider` block of a SecretStore, filled from the settings where given */
  providerSpec(settings: StoreSettings | undefined): Record<string, unknown>
  /** the property of the remote value holding the secret (vault's `{ value }`) */
  readonly property?: string
}

/**
 * One backend, as the registry (stores/registry.ts) knows it. Adding a store is one file exporting
 * a descriptor, one line in the registry, and its contract test.
 */
export interface StoreDescriptor {
  readonly kind: string
  /** one line for --help and docs */
  readonly summary: string
  /** the keys of an environment in hush.yaml this store reads, each with its schema and description */
  readonly settings: Readonly<Record<string, z.ZodType>>
  readonly capabilities: StoreCapabilities
  /**
   * What the environment's settings ask that the service would refuse (a name rule a schema cannot
   * check, such as one the default prefix breaks), each as `<key>: <problem and rule>`; refused at load.
   */
  problems?(settings: StoreSettings, project: string): string[]
  /** for stores kept in a local file or directory: the path when hush.yaml gives none */
  defaultPath?(envName: string): string
  /** which local layout the runtime library (`hush run`, loadSecrets) reads, when it can */
  readonly runtimeLayout?: 'files' | 'dotenv'
  /** the environment's own store, where hush keeps its values */
  open(settings: StoreSettings, context: StoreContext): Store
  /** where the environment's values are distributed to beyond its own store (the swarm) */
  target?(settings: StoreSettings, context: StoreContext): Store
  /** External Secrets Operator's reading of this store, where ESO has a provider for it */
  readonly externalSecrets?: ExternalSecretsProvider
}
