import { isKeyring } from '../../manifest/members.js'
import type { SecretSpec } from '../../manifest/types.js'
import { keyring } from './keyring.js'
import { replace } from './replace.js'
import type { Strategy } from './types.js'

export type { Entries, Strategy } from './types.js'

/** The strategy hush.yaml gives a secret (server rotators ride on replace: they own the credential). */
export function strategyOf(spec: SecretSpec): Strategy {
  return isKeyring(spec) ? keyring : replace
}
