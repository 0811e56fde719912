/**
 * Short fingerprints that identify a value without revealing it. A plain hash
 * of a weak secret (a short password) can be brute-forced, so fingerprints are
 * an HMAC under a per-project key kept in `.hush/fingerprint.key` (0600).
 */
import { createHmac, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { HushError } from './errors.js'
import { ensurePrivateDir, readIfExists, writeFileAtomic } from './fs-safe.js'

export type Fingerprinter = (value: string) => string

/** 12 hex characters (48 bits): enough to tell versions apart, too short to test guesses offline. */
export function fingerprinter(key: Uint8Array): Fingerprinter {
  return (value) => createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 12)
}

/** Load the project's fingerprint key from `stateDir`, creating it on first use. */
export async function loadFingerprintKey(stateDir: string): Promise<Uint8Array> {
  const path = join(stateDir, 'fingerprint.key')
  const existing = await readIfExists(path)
  if (existing !== undefined) {
    if (/^[0-9a-f]{64}$/.test(existing.trim())) return Buffer.from(existing.trim(), 'hex')
    throw new HushError('HUSH_E_STORE_CORRUPT', `${path} is not a fingerprint key`, {
      hint: 'restore it from a backup, or delete it to start new fingerprints (metadata fingerprints then change)',
    })
  }
  await ensurePrivateDir(stateDir)
  const key = randomBytes(32)
  await writeFileAtomic(path, key.toString('hex'))
  return key
}
