/**
 * A rotation strategy: which local entries hold the secret and in what order they change, so that
 * every consumer keeps a value that works at every step (ROTATION.md). Strategies take the values
 * and a way to read and write entries as arguments; they never reach into the step machine.
 */
import type { SecretSpec } from '../../manifest/types.js'

/** The environment's own store, as a strategy sees it. */
export interface Entries {
  read(entry: string): Promise<string | undefined>
  /** write an entry; `rotated` marks the credential itself changing */
  write(entry: string, value: string, rotated: boolean): Promise<void>
}

export interface Strategy {
  readonly name: 'replace' | 'keyring'
  /** APPLIED: make the new value accepted beside the current one; returns the entries consumers must get now */
  apply(spec: SecretSpec, entries: Entries, value: string): Promise<Record<string, string>>
  /** before VERIFIED: check APPLIED's local effect still holds */
  verify(spec: SecretSpec, entries: Entries, value: string): Promise<void>
  /** the entries and values the secret has once `value` is promoted (`current`: the primary's value now) */
  promoted(spec: SecretSpec, value: string, current: string | undefined): Record<string, string>
  /** PROMOTED: write the promoted entries locally, in an order that never drops a working value */
  promote(spec: SecretSpec, entries: Entries, value: string, current: string | undefined): Promise<void>
  /** REVOKED: drop the old value locally; returns the entries consumers must get now */
  revoke(spec: SecretSpec, entries: Entries, value: string): Promise<Record<string, string>>
  /** abort before PROMOTED: take the new value out of what is accepted */
  abort(spec: SecretSpec, entries: Entries): Promise<void>
  /** how long the old value stays accepted after PROMOTED */
  graceMs(spec: SecretSpec, hasRotator: boolean): number
  /** notes for the journal steps */
  readonly notes: { readonly applied?: string; readonly revoked?: string; readonly plan: string }
}
