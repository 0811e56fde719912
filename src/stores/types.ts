/**
 * The one store interface every backend implements. A store keeps values and
 * metadata for one environment; it never logs or returns values except from
 * `read`.
 */

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

export interface StoreCapabilities {
  /** Values live in local files that `check` can inspect for mode, owner and git status. */
  readonly localFiles: boolean
  /** `read` returns values (false for Swarm, which never hands a value back) */
  readonly readsValues?: boolean
}

export interface Store {
  readonly kind: string
  /** Where the store lives (a path, a URL); messages show it after the kind. Two stores with one location are the same store. */
  readonly location: string
  readonly capabilities: StoreCapabilities
  /** Names and metadata of every stored entry, never values. */
  list(): Promise<StoredSecret[]>
  /** The value with exactly one trailing newline stripped, or `undefined` when absent. */
  read(name: string): Promise<SecretValue | undefined>
  write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret>
  /** Write many entries, committing metadata once (a crash leaves each value old or new). */
  writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]>
  remove(name: string): Promise<void>
  /**
   * Put a value beside the current one without making it current (AWS: AWSPENDING); the next
   * write of the same value promotes it. Rotation's DISTRIBUTED step uses it where it exists.
   */
  stage?(name: string, value: SecretValue, meta: WriteMeta): Promise<void>
  /** Local files behind the store (only when `capabilities.localFiles`). */
  backingPaths?(): Promise<BackingPath[]>
}
