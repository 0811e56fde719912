/**
 * The audit key: 32 random bytes that authenticate audit entries. It never lives in the project: it is
 * HUSH_AUDIT_KEY (64 hex characters, for CI) or `<user config>/audit.key` (0600 in a 0700 directory,
 * created on first use). Anyone who can read it can forge the user's audit log; nobody else can.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { HushError } from '../../lib/errors.js'
import { createFileAtomic, ensurePrivateDir, readIfExists } from '../../lib/fs-safe.js'
import { userConfigDir } from '../../lib/user-config.js'

type Env = Readonly<Record<string, string | undefined>>

export const AUDIT_KEY_VAR = 'HUSH_AUDIT_KEY'

export interface AuditKey {
  readonly bytes: Uint8Array
  /** a short id that names the key without revealing it */
  readonly kid: string
  /** where it came from: the variable's name or the file */
  readonly source: string
}

const HEX_KEY = /^[0-9a-f]{64}$/i

export function auditKeyFile(env: Env): string {
  return join(userConfigDir(env), 'audit.key')
}

function keyOf(hex: string, source: string): AuditKey {
  const bytes = Buffer.from(hex, 'hex')
  const kid = createHmac('sha256', bytes).update('hush audit key id').digest('hex').slice(0, 16)
  return { bytes, kid, source }
}

/** The audit key, or undefined when none exists yet (never creates one). */
export async function readAuditKey(env: Env): Promise<AuditKey | undefined> {
  const fromEnv = env[AUDIT_KEY_VAR]
  if (fromEnv) {
    if (!HEX_KEY.test(fromEnv.trim()))
      throw new HushError('HUSH_E_USAGE', `${AUDIT_KEY_VAR} is not an audit key (64 hex characters)`, {
        hint: `make one with \`openssl rand -hex 32\`, or unset ${AUDIT_KEY_VAR} to use ${auditKeyFile(env)}`,
      })
    return keyOf(fromEnv.trim(), AUDIT_KEY_VAR)
  }
  const file = auditKeyFile(env)
  const text = await readIfExists(file)
  if (text === undefined) return undefined
  if (!HEX_KEY.test(text.trim()))
    throw new HushError('HUSH_E_AUDIT_BROKEN', `${file} is not an audit key`, {
      hint: 'restore it from a backup: without the key that wrote the audit log, its entries cannot be checked',
    })
  return keyOf(text.trim(), file)
}

/** The audit key, created in the user's config directory on first use. */
export async function auditKeyFor(env: Env): Promise<AuditKey> {
  const existing = await readAuditKey(env)
  if (existing) return existing
  const file = auditKeyFile(env)
  try {
    await ensurePrivateDir(userConfigDir(env))
    // two first uses at once: one creates the file, the other reads it
    await createFileAtomic(file, `${randomBytes(32).toString('hex')}\n`)
  } catch (err) {
    throw new HushError('HUSH_E_IO', `cannot create the audit key ${file}`, {
      hint: `make ${userConfigDir(env)} writable, point XDG_CONFIG_HOME at a writable directory, or set ${AUDIT_KEY_VAR}`,
      cause: err,
    })
  }
  const created = await readAuditKey(env)
  if (!created) throw new HushError('HUSH_E_IO', `the audit key ${file} vanished after it was created`)
  return created
}
