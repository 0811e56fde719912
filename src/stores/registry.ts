/**
 * Every store hush knows, one line each. A store is one file exporting a descriptor (kind,
 * settings, capabilities, open); core asks the registry, never compares kinds.
 */
import { HushError } from '../lib/errors.js'
import { presentValue } from '../lib/present.js'
import { awsStore } from './aws.js'
import { azureStore } from './azure.js'
import { dotenvStore } from './dotenv.js'
import { filesStore } from './files.js'
import { gcpStore } from './gcp.js'
import { kubernetesStore } from './kubernetes.js'
import { sealedStore } from './sealed.js'
import { ssmStore } from './ssm.js'
import { swarmStore } from './swarm.js'
import type { Store, StoreContext, StoreDescriptor, StoreSettings } from './types.js'
import { vaultStore } from './vault.js'

export const STORES: readonly StoreDescriptor[] = [
  filesStore,
  dotenvStore,
  swarmStore,
  sealedStore,
  kubernetesStore,
  vaultStore,
  awsStore,
  gcpStore,
  azureStore,
  ssmStore,
]

/** The kind an environment gets when hush.yaml names none. */
export const DEFAULT_STORE = filesStore.kind

export const STORE_KINDS = STORES.map((s) => s.kind)

export function descriptorOf(kind: string): StoreDescriptor {
  const descriptor = STORES.find((s) => s.kind === kind)
  if (!descriptor)
    throw new HushError('HUSH_E_STORE_UNSUPPORTED', `there is no ${kind} store in this version`, {
      hint: `use one of: ${STORE_KINDS.join(', ')}`,
    })
  return descriptor
}

/** The store holding an environment's values; an empty entry reads as absent (lib/present.ts). */
export function openStore(settings: StoreSettings, context: StoreContext): Store {
  const store = descriptorOf(settings.store).open(settings, context)
  const read = store.read.bind(store)
  store.read = async (name) => presentValue(await read(name))
  return store
}
