/** Open the store an environment names. Remote stores arrive in later versions. */

import type { EnvironmentSpec } from '../core/manifest/types.js'
import { HushError } from '../lib/errors.js'
import type { Fingerprinter } from '../lib/fingerprint.js'
import { DotenvStore, type EnvNameOf } from './dotenv.js'
import { FilesStore } from './files.js'
import { type SealedKeys, SealedStore } from './sealed.js'
import type { Store } from './types.js'

export interface StoreContext {
  readonly envNameOf?: EnvNameOf
  /** for sealed stores: who to encrypt to, which identities decrypt, which project it belongs to */
  readonly sealed?: Omit<SealedKeys, 'env'>
}

export function openStore(
  env: EnvironmentSpec,
  fingerprint: Fingerprinter,
  context: StoreContext = {},
): Store {
  const { envNameOf } = context
  switch (env.store) {
    case 'files':
    case 'swarm': // the values live in a local files store; `hush push` distributes them
      return new FilesStore(env.path!, fingerprint)
    case 'dotenv':
      return new DotenvStore(env.path!, envNameOf)
    case 'sealed':
      return new SealedStore(env.path!, {
        recipients: context.sealed?.recipients ?? [],
        identities: context.sealed?.identities ?? [],
        project: context.sealed?.project ?? '',
        env: env.name,
      })
    default:
      throw new HushError(
        'HUSH_E_STORE_UNSUPPORTED',
        `the ${env.store} store (environment ${env.name}) is not available in this version`,
        {
          hint: 'use store: files or store: dotenv for now; see "Not supported yet" in the README',
        },
      )
  }
}
