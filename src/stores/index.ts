/** Open the store an environment names, with its settings from hush.yaml over the process environment. */

import { k8sName } from '../core/export/k8s.js'
import type { EnvironmentSpec } from '../core/manifest/types.js'
import { HushError } from '../lib/errors.js'
import type { Fingerprinter } from '../lib/fingerprint.js'
import { AwsStore } from './aws.js'
import { AzureStore } from './azure.js'
import { DotenvStore, type EnvNameOf } from './dotenv.js'
import { FilesStore } from './files.js'
import { GcpStore } from './gcp.js'
import { KubernetesStore } from './kubernetes.js'
import { type SealedKeys, SealedStore } from './sealed.js'
import { option, prefixOf, required } from './settings.js'
import { SsmStore } from './ssm.js'
import type { Store } from './types.js'
import { type VaultConfig, VaultStore } from './vault.js'

/** The AWS settings the aws and ssm stores share: region, endpoint, profile and the name prefix. */
function awsConfig(env: EnvironmentSpec, context: StoreContext) {
  const region = option(env, 'region') ?? context.processEnv?.AWS_REGION
  const endpoint = option(env, 'endpoint')
  const profile = option(env, 'profile')
  return {
    prefix: prefixOf(env, context.project),
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(profile ? { profile } : {}),
  }
}

/** Vault settings: hush.yaml (address, mount, prefix, namespace) over VAULT_ADDR / VAULT_TOKEN / VAULT_ROLE_ID + VAULT_SECRET_ID. */
function vaultConfig(env: EnvironmentSpec, context: StoreContext): VaultConfig {
  const pe = context.processEnv ?? {}
  const address = required(
    env,
    option(env, 'address') ?? pe.VAULT_ADDR,
    'Vault address',
    'set VAULT_ADDR, or address: https://vault.example:8200 on the environment',
  ).replace(/\/+$/, '')
  const namespace = option(env, 'namespace') ?? pe.VAULT_NAMESPACE
  return {
    address,
    mount: option(env, 'mount') ?? 'secret',
    prefix: prefixOf(env, context.project),
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
    case 'aws':
      return new AwsStore(awsConfig(env, context))
    case 'ssm': {
      const kmsKey = option(env, 'kms_key')
      return new SsmStore({ ...awsConfig(env, context), ...(kmsKey ? { kmsKey } : {}) })
    }
    case 'gcp': {
      const pe = context.processEnv ?? {}
      const endpoint = option(env, 'endpoint')
      return new GcpStore({
        project: required(
          env,
          option(env, 'gcp_project') ?? pe.GOOGLE_CLOUD_PROJECT ?? pe.CLOUDSDK_CORE_PROJECT,
          'Google Cloud project',
          'set gcp_project: my-project on the environment, or GOOGLE_CLOUD_PROJECT',
        ),
        prefix: prefixOf(env, context.project),
        ...(endpoint ? { endpoint } : {}),
        ...(pe.GOOGLE_OAUTH_ACCESS_TOKEN ? { accessToken: pe.GOOGLE_OAUTH_ACCESS_TOKEN } : {}),
      })
    }
    case 'azure': {
      const pe = context.processEnv ?? {}
      return new AzureStore({
        address: required(
          env,
          option(env, 'address') ?? pe.AZURE_KEYVAULT_URL,
          'Key Vault URL',
          'set address: https://my-vault.vault.azure.net on the environment, or AZURE_KEYVAULT_URL',
        ).replace(/\/+$/, ''),
        prefix: prefixOf(env, context.project),
        ...(pe.AZURE_ACCESS_TOKEN ? { accessToken: pe.AZURE_ACCESS_TOKEN } : {}),
      })
    }
    case 'k8s': {
      const kubeContext = option(env, 'context')
      return new KubernetesStore({
        name: option(env, 'name') ?? k8sName(context.project ?? 'hush', env.name),
        namespace: option(env, 'namespace') ?? 'default',
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
