/**
 * Kubernetes exports: `Secret` manifests (one per environment or one per
 * service), a kustomize `secretGenerator` with its env files, and External
 * Secrets Operator manifests that point at a cloud or Vault store instead of
 * carrying values. Secrets carry hush's labels and a content-hash annotation
 * that a pod template can copy so a rollout restarts pods when values change.
 */
import { mapLimit } from '../../lib/concurrency.js'
import { HushError } from '../../lib/errors.js'
import { contentHash, HASH_ANNOTATION, k8sName } from '../../stores/kubernetes.js'
import { descriptorOf, STORES } from '../../stores/registry.js'
import { prefixOf } from '../../stores/settings.js'
import type { ExternalSecretsProvider } from '../../stores/types.js'
import { membersOf } from '../manifest/members.js'
import { sinkNamesOf } from '../manifest/rules.js'
import type { EnvironmentSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { entriesOf } from './compose.js'

export { HASH_ANNOTATION }

export interface K8sSecret {
  apiVersion: 'v1'
  kind: 'Secret'
  type: 'Opaque'
  metadata: {
    name: string
    namespace?: string
    labels: Record<string, string>
    annotations: Record<string, string>
  }
  stringData?: Record<string, string>
  data?: Record<string, string>
}

/** The values of the entries each group holds: the environment, or each `services:` entry. */
async function groups(
  project: Project,
  per: 'env' | 'service',
): Promise<Map<string, Record<string, string>>> {
  const { manifest, store, environment } = project
  const byGroup = new Map<string, string[]>()
  if (per === 'env')
    byGroup.set(
      environment.name,
      manifest.secrets.flatMap((s) => membersOf(s).map((m) => m.name)),
    )
  else {
    if (Object.keys(manifest.services).length === 0)
      throw new HushError('HUSH_E_USAGE', `${manifest.file} declares no services`, {
        hint: 'use --per env, or add services: { api: [session_key] } to hush.yaml',
      })
    for (const [service, names] of Object.entries(manifest.services))
      byGroup.set(
        service,
        entriesOf(manifest, names).map((e) => e.entry),
      )
  }
  const out = new Map<string, Record<string, string>>()
  for (const [group, entries] of byGroup) {
    const values = await mapLimit(entries, 64, (e) => store.read(e))
    const record: Record<string, string> = {}
    entries.forEach((e, i) => {
      if (values[i] !== undefined) record[e] = values[i]!
    })
    out.set(group, record)
  }
  return out
}

export interface K8sOptions {
  readonly per?: 'env' | 'service'
  readonly namespace?: string
  /** base64 `data` instead of `stringData` */
  readonly data?: boolean
}

export async function k8sSecrets(project: Project, options: K8sOptions = {}): Promise<K8sSecret[]> {
  const per = options.per ?? 'env'
  const { manifest, environment } = project
  const out: K8sSecret[] = []
  for (const [group, values] of await groups(project, per)) {
    const name =
      per === 'env' ? k8sName(manifest.project, group) : k8sName(manifest.project, environment.name, group)
    out.push({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name,
        ...(options.namespace ? { namespace: options.namespace } : {}),
        labels: {
          'app.kubernetes.io/managed-by': 'hush',
          'hush.dev/project': k8sName(manifest.project),
          'hush.dev/env': k8sName(environment.name),
          ...(per === 'service' ? { 'hush.dev/service': k8sName(group) } : {}),
        },
        annotations: { [HASH_ANNOTATION]: contentHash(values) },
      },
      ...(options.data
        ? {
            data: Object.fromEntries(
              Object.entries(values).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
            ),
          }
        : { stringData: values }),
    })
  }
  return out
}

export interface KustomizeOutput {
  /** kustomization.yaml (no values) */
  readonly kustomization: Record<string, unknown>
  /** files written beside it (values): env files and, for multi-line values, one file per entry */
  readonly files: Record<string, string>
}

/** A kustomize secretGenerator per group; single-line values go to an env file, multi-line ones (PEM keys) to files. */
export async function kustomize(project: Project, options: K8sOptions = {}): Promise<KustomizeOutput> {
  const per = options.per ?? 'env'
  const { manifest, environment } = project
  const files: Record<string, string> = {}
  const secretGenerator: Record<string, unknown>[] = []
  for (const [group, values] of await groups(project, per)) {
    const name =
      per === 'env' ? k8sName(manifest.project, group) : k8sName(manifest.project, environment.name, group)
    const env: string[] = []
    const asFiles: string[] = []
    for (const [key, value] of Object.entries(values))
      if (/[\r\n]/.test(value) || value !== value.trim()) {
        const file = `${name}/${key}`
        files[file] = value
        asFiles.push(`${key}=${file}`)
      } else env.push(`${key}=${value}`)
    if (env.length > 0) files[`${name}.env`] = `${env.join('\n')}\n`
    secretGenerator.push({
      name,
      type: 'Opaque',
      ...(env.length > 0 ? { envs: [`${name}.env`] } : {}),
      ...(asFiles.length > 0 ? { files: asFiles } : {}),
      options: {
        labels: { 'app.kubernetes.io/managed-by': 'hush', 'hush.dev/env': k8sName(environment.name) },
      },
    })
  }
  return {
    kustomization: {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      ...(options.namespace ? { namespace: options.namespace } : {}),
      secretGenerator,
    },
    files,
  }
}

/** External Secrets providers: the stores ESO can read, each reading what the hush store of that kind writes. */
export const ESO_PROVIDERS: readonly string[] = STORES.filter((s) => s.externalSecrets).map((s) => s.kind)
export type EsoProvider = string

function providerOf(kind: EsoProvider): ExternalSecretsProvider {
  const provider = descriptorOf(kind).externalSecrets
  if (!provider)
    throw new HushError('HUSH_E_USAGE', `External Secrets has no provider for ${kind} stores`, {
      hint: `use one of: ${ESO_PROVIDERS.join(', ')}`,
    })
  return provider
}

/**
 * The environment whose store the provider reads: the exported one when its store is the provider,
 * else the first of its `distribute_to` environments that is; undefined when none is (placeholders).
 */
function sourceOf(project: Project, provider: EsoProvider): EnvironmentSpec | undefined {
  const { environment, manifest } = project
  return [environment, ...sinkNamesOf(environment).map((n) => manifest.environments.get(n)!)].find(
    (e) => e.store === provider,
  )
}

/** A SecretStore for the provider and one ExternalSecret per group; no values, only remote keys. */
export function externalSecrets(
  project: Project,
  provider: EsoProvider,
  options: K8sOptions = {},
): Record<string, unknown>[] {
  const per = options.per ?? 'env'
  const { manifest, environment } = project
  const storeName = k8sName(manifest.project, environment.name, provider)
  const eso = providerOf(provider)
  const source = sourceOf(project, provider)
  const prefix = source ? prefixOf(source, manifest.project) : `${manifest.project}/${environment.name}`
  const namespace = options.namespace ? { namespace: options.namespace } : {}
  const groupsOf: [string, string[]][] =
    per === 'env'
      ? [[environment.name, manifest.secrets.flatMap((s) => membersOf(s).map((m) => m.name))]]
      : Object.entries(manifest.services).map(([service, names]) => [
          service,
          entriesOf(manifest, names).map((e) => e.entry),
        ])
  return [
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: storeName, ...namespace },
      spec: { provider: eso.providerSpec(source) },
    },
    ...groupsOf.map(([group, entries]) => {
      const name =
        per === 'env' ? k8sName(manifest.project, group) : k8sName(manifest.project, environment.name, group)
      return {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name, ...namespace, labels: { 'app.kubernetes.io/managed-by': 'hush' } },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: { kind: 'SecretStore', name: storeName },
          target: { name, creationPolicy: 'Owner' },
          data: entries.map((entry) => ({
            secretKey: entry,
            remoteRef: {
              key: eso.remoteKey(prefix, entry),
              ...(eso.property ? { property: eso.property } : {}),
            },
          })),
        },
      }
    }),
  ]
}
