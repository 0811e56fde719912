/**
 * One line of the audit log. A keyed entry carries `kid` (which audit key wrote it) and `mac`:
 * HMAC-SHA256 under the audit key of the JSON of every other field, `prev` included, so each entry
 * also fixes every entry before it. A legacy entry (written before keyed audit) carries `hash`, a
 * plain SHA-256 anyone can recompute.
 */
import { createHash, createHmac } from 'node:crypto'

export type AuditAction = 'gen' | 'set' | 'reveal' | 'rotate' | 'rollback' | 'push' | 'remove'

export interface AuditEvent {
  readonly action: AuditAction
  readonly secret: string
  readonly env?: string
  /** fingerprint of the value after the action */
  readonly fp?: string
  /** a short word about what happened: create, regenerate, derive, update, failed */
  readonly detail?: string
}

export interface AuditEntry extends AuditEvent {
  readonly seq: number
  readonly ts: string
  readonly actor: string
  readonly prev: string
  /** keyed entries: the audit key's id and the entry's MAC */
  readonly kid?: string
  readonly mac?: string
  /** legacy entries: the unkeyed SHA-256 of the entry */
  readonly hash?: string
}

/** What the first entry chains to. */
export const GENESIS = '0'.repeat(64)

const HEX64 = /^[0-9a-f]{64}$/
const optionalString = (v: unknown) => v === undefined || typeof v === 'string'

/** The entry a line holds, or undefined when it is not JSON or not shaped like an entry. */
export function parseEntry(line: string): AuditEntry | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const e = value as Record<string, unknown>
  const shaped =
    Number.isSafeInteger(e.seq) &&
    (e.seq as number) > 0 &&
    typeof e.ts === 'string' &&
    typeof e.actor === 'string' &&
    typeof e.action === 'string' &&
    typeof e.secret === 'string' &&
    typeof e.prev === 'string' &&
    optionalString(e.env) &&
    optionalString(e.fp) &&
    optionalString(e.detail) &&
    // exactly one of: a keyed entry (kid + mac), a legacy entry (hash)
    (typeof e.mac === 'string'
      ? HEX64.test(e.mac) && typeof e.kid === 'string' && e.hash === undefined
      : typeof e.hash === 'string' && e.kid === undefined)
  return shaped ? (e as unknown as AuditEntry) : undefined
}

export const isKeyed = (entry: AuditEntry): boolean => entry.mac !== undefined

/** What a keyed entry's MAC covers: the entry without its `mac`, as it was serialized. */
export function macOf(key: Uint8Array, body: Omit<AuditEntry, 'mac'>): string {
  return createHmac('sha256', key).update(JSON.stringify(body)).digest('hex')
}

/** The MAC (keyed) or hash (legacy) the next entry chains to. */
export const linkOf = (entry: AuditEntry): string => (entry.mac ?? entry.hash)!

/** True when a keyed entry's MAC is right under `key`. */
export function macMatches(key: Uint8Array, entry: AuditEntry): boolean {
  const { mac, ...body } = entry
  return macOf(key, body) === mac
}

/** True when a legacy entry's hash is right (which proves nothing about who wrote it). */
export function legacyHashMatches(entry: AuditEntry): boolean {
  const { hash, ...body } = entry
  return createHash('sha256').update(JSON.stringify(body)).digest('hex') === hash
}
