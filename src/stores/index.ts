/** Open the store an environment names. Remote stores arrive in later versions. */

import { k8sName } from '../core/export/k8s.js'
import type { EnvironmentSpec } from '../core/manifest/types.js'
import { HushError } from '../lib/errors.js'
import type { Fingerprinter } from '../lib/fingerprint.js'
import { AwsStore } from './aws.js'
import { DotenvStore, type EnvNameOf } from './dotenv.js'
import { FilesStore } from './files.js'
import { KubernetesStore } from './kubernetes.js'
import { type SealedKeys, SealedStore } from './sealed.js'
import type { Store } from './types.js'
import { type VaultConfig, VaultStore } from './vault.js'

/** Vault settings: hush.yaml (address, mount, prefix, namespace) over VAULT_ADDR / VAULT_TOKEN / VAULT_ROLE_ID + VAULT_SECRET_ID. */
function vaultConfig(env: EnvironmentSpec, context: StoreContext): VaultConfig {
  const o = env.options as Record<string, unknown>
  const pe = context.processEnv ?? {}
  const address = (typeof o.address === 'string' ? o.address : pe.VAULT_ADDR)?.replace(/\/+$/, '')
  if (!address)
    throw new HushError('HUSH_E_USAGE', `environment ${env.name} uses Vault but names no address`, {
      hint: 'set VAULT_ADDR, or address: https://vault.example:8200 on the environment',
    })
  const namespace = typeof o.namespace === 'string' ? o.namespace : pe.VAULT_NAMESPACE
  return {
    address,
    mount: typeof o.mount === 'string' ? o.mount : 'secret',
    prefix: typeof o.prefix === 'string' ? o.prefix : `${context.project ?? 'hush'}/${env.name}`,
    ...(pe.VAULT_TOKEN ? { token: pe.VAULT_TOKEN } : {}),
    ...(pe.VAULT_ROLE_ID && pe.VAULT_SECRET_ID
      ? { approle: { roleId: pe.VAULT_ROLE_ID, secretId: pe.VAULT_SECRET_ID } }
      : {}),
    ...(namespace ? { namespace } : {}),
  }
}

export interface StoreContext {
  readonly envNameOf?: EnvNameOf
  /** the process environment (credentials: VAULT_ADDR, VAULT_TOKEN, …) and the project's name */
  readonly processEnv?: Readonly<Record<string, string | undefined>>
  readonly project?: string
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
    case 'aws': {
      const o = env.options as Record<string, unknown>
      const text = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined)
      const region = text('region') ?? context.processEnv?.AWS_REGION
      const endpoint = text('endpoint')
      const profile = text('profile')
      return new AwsStore({
        prefix: text('prefix') ?? `${context.project ?? 'hush'}/${env.name}`,
        ...(region ? { region } : {}),
        ...(endpoint ? { endpoint } : {}),
        ...(profile ? { profile } : {}),
      })
    }
    case 'k8s': {
      const o = env.options as Record<string, unknown>
      const text = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined)
      const kubeContext = text('context')
      return new KubernetesStore({
        name: text('name') ?? k8sName(context.project ?? 'hush', env.name),
        namespace: text('namespace') ?? 'default',
        ...(kubeContext ? { context: kubeContext } : {}),
      })
    }
    case 'vault':
      return new VaultStore(vaultConfig(env, context))
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
