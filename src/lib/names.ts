import { HushError } from './errors.js'

/** Secret names: they become file names and (upper-cased) environment variable names. */
export const NAME_PATTERN = /^[a-z0-9_]+$/

/** A store member: a secret name, or a key pair's public half `<name>.pub`. */
const MEMBER_PATTERN = /^[a-z0-9_]+(\.pub)?$/

/** Throw unless `name` is a safe secret name (no `/`, `..`, NUL, upper case or other characters). */
export function assertSecretName(name: string, where = 'secret name'): void {
  if (!NAME_PATTERN.test(name)) throw unsafeName(name, where)
}

/** Throw unless `name` is a safe store member name. */
export function assertMemberName(name: string): void {
  if (!MEMBER_PATTERN.test(name)) throw unsafeName(name, 'store entry')
}

function unsafeName(name: string, where: string): HushError {
  // JSON.stringify shows control characters and NUL visibly; names are never secret values
  return new HushError('HUSH_E_UNSAFE_NAME', `${where} ${JSON.stringify(name)} is not allowed`, {
    hint: 'use lower-case letters, digits and underscores only ([a-z0-9_]+)',
  })
}

/** Default environment variable name of a secret or store entry (`signing_key.pub` → `SIGNING_KEY_PUB`). */
export function envNameOf(name: string): string {
  return name.toUpperCase().replace('.', '_')
}

/**
 * A cloud secret name for an entry where `/`, `_` and `.` are not allowed (Azure Key Vault: `[0-9a-zA-Z-]`;
 * GCP uses the same so that hush export external-secrets names match): `nemo/prod` + `db_password` →
 * `nemo-prod-db-password`. Not reversible: stores keep the entry's name beside it.
 */
export function dashedName(prefix: string, entry: string): string {
  assertMemberName(entry)
  return `${prefix}/${entry}`.replace(/[/_.]/g, '-')
}
