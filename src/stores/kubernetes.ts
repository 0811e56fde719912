/**
 * A Kubernetes Secret as a store, through the official client
 * (`@kubernetes/client-node`, loaded on first use; kubeconfig from KUBECONFIG,
 * ~/.kube/config or the in-cluster service account). The environment is one
 * Secret (`<project>-<env>`) whose keys are the entries; hush's metadata is one
 * JSON annotation. Every write is check-and-set on `resourceVersion` (a
 * conflict re-reads and retries). After values change, Deployments in the
 * namespace that use the Secret get its content hash in their pod template, so
 * they roll.
 */

import { createHash } from 'node:crypto'
import type { AppsV1Api, CoreV1Api, V1Secret } from '@kubernetes/client-node'
import { HushError } from '../lib/errors.js'
import { assertMemberName } from '../lib/names.js'
import { loadSdk } from '../lib/optional-sdk.js'
import { capabilities } from './capabilities.js'
import { option, text } from './settings.js'
import type { SecretValue, Store, StoreDescriptor, StoredSecret, WriteEntry, WriteMeta } from './types.js'

export interface KubernetesConfig {
  readonly name: string
  readonly namespace: string
  /** a kubeconfig context (default: the current one) */
  readonly context?: string
}

export const HASH_ANNOTATION = 'hush.dev/content-hash'
const META = 'hush.dev/meta'
type Meta = Record<
  string,
  { v: number; fp: string; created: string; at: string; rotated?: string; source?: string }
>

type Client = { core: CoreV1Api; apps: AppsV1Api; k8s: typeof import('@kubernetes/client-node') }

/** A DNS-1123 name from project, environment or service names (`nemo_api` → `nemo-api`). */
export function k8sName(...parts: string[]): string {
  const name = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
  if (!name || name.length > 253)
    throw new HushError('HUSH_E_UNSAFE_NAME', `cannot make a Kubernetes name from ${parts.join('-')}`)
  return name
}

/** sha256 over the sorted entries: the same values give the same hash on every machine. */
export function contentHash(values: Readonly<Record<string, string>>): string {
  const h = createHash('sha256')
  for (const key of Object.keys(values).sort()) h.update(`${key}\0${values[key]}\0`)
  return h.digest('hex').slice(0, 16)
}

const CAPABILITIES = capabilities({ checkAndSet: true, rollsConsumers: true })

export class KubernetesStore implements Store {
  readonly kind = 'kubernetes'
  readonly capabilities = CAPABILITIES
  readonly location: string
  private client: Promise<Client> | undefined

  constructor(private readonly config: KubernetesConfig) {
    this.location = `secret ${config.namespace}/${config.name}`
  }

  private connect(): Promise<Client> {
    this.client ??= loadSdk(
      () => import('@kubernetes/client-node'),
      '@kubernetes/client-node',
      'the kubernetes store',
    ).then((k8s) => {
      const kc = new k8s.KubeConfig()
      kc.loadFromDefault()
      if (this.config.context) kc.setCurrentContext(this.config.context)
      return { k8s, core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api) }
    })
    return this.client
  }

  private failure(what: string, err: unknown): HushError {
    const code = (err as { code?: number }).code
    return new HushError(
      'HUSH_E_KUBERNETES',
      `the Kubernetes API refused ${what} (${code ?? (err as Error).message})`,
      {
        hint:
          code === 401 || code === 403
            ? 'check the kubeconfig credentials and that the role may get, create, update and patch secrets and deployments'
            : 'check KUBECONFIG / the current context and that the API server answers',
      },
    )
  }

  private async get(): Promise<V1Secret | undefined> {
    const { core } = await this.connect()
    try {
      return await core.readNamespacedSecret({ name: this.config.name, namespace: this.config.namespace })
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined
      throw this.failure(`reading ${this.location}`, err)
    }
  }

  private metaOf(secret: V1Secret | undefined): Meta {
    try {
      return JSON.parse(secret?.metadata?.annotations?.[META] ?? '{}') as Meta
    } catch {
      return {}
    }
  }

  async list(): Promise<StoredSecret[]> {
    const secret = await this.get()
    const meta = this.metaOf(secret)
    return Object.keys(secret?.data ?? {})
      .sort()
      .map((name) => {
        const m = meta[name]
        return {
          name,
          version: m?.v ?? 1,
          fingerprint: m?.fp ?? '',
          createdAt: m?.created ?? '',
          updatedAt: m?.at ?? '',
          ...(m?.rotated ? { rotatedAt: m.rotated } : {}),
          ...(m?.source ? { source: m.source as StoredSecret['source'] } : {}),
        }
      })
  }

  async read(name: string): Promise<SecretValue | undefined> {
    assertMemberName(name)
    const data = (await this.get())?.data?.[name]
    return data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8')
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    return (await this.writeMany([{ name, value, meta }]))[0]!
  }

  /** Read, change, replace with the read resourceVersion; a conflict (someone else wrote) re-reads, up to 5 times. */
  private async update(change: (data: Record<string, string>, meta: Meta) => boolean): Promise<void> {
    const { core } = await this.connect()
    for (let attempt = 0; ; attempt++) {
      const secret = await this.get()
      const data = { ...(secret?.data ?? {}) }
      const meta = this.metaOf(secret)
      if (!change(data, meta)) return
      const values = Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      )
      const body: V1Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name: this.config.name,
          namespace: this.config.namespace,
          labels: { ...(secret?.metadata?.labels ?? {}), 'app.kubernetes.io/managed-by': 'hush' },
          annotations: {
            ...(secret?.metadata?.annotations ?? {}),
            [META]: JSON.stringify(meta),
            [HASH_ANNOTATION]: contentHash(values),
          },
          ...(secret?.metadata?.resourceVersion ? { resourceVersion: secret.metadata.resourceVersion } : {}),
        },
        data,
      }
      try {
        if (secret)
          await core.replaceNamespacedSecret({
            name: this.config.name,
            namespace: this.config.namespace,
            body,
          })
        else await core.createNamespacedSecret({ namespace: this.config.namespace, body })
        await this.rollout(contentHash(values))
        return
      } catch (err) {
        const code = (err as { code?: number }).code
        if ((code === 409 || code === 404) && attempt < 5) continue
        throw this.failure(`writing ${this.location}`, err)
      }
    }
  }

  async writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]> {
    for (const e of entries) assertMemberName(e.name)
    const out: StoredSecret[] = []
    await this.update((data, meta) => {
      out.length = 0
      let changed = false
      for (const { name, value, meta: m } of entries) {
        const encoded = Buffer.from(value, 'utf8').toString('base64')
        const old = meta[name]
        if (data[name] !== encoded) {
          changed = true
          data[name] = encoded
          meta[name] = {
            v: old ? old.v + 1 : 1,
            fp: m.fingerprint,
            created: old?.created ?? m.at,
            at: m.at,
            source: m.source,
            ...(m.rotated ? { rotated: m.at } : old?.rotated ? { rotated: old.rotated } : {}),
          }
        }
        const now = meta[name]!
        out.push({
          name,
          version: now.v,
          fingerprint: now.fp,
          createdAt: now.created,
          updatedAt: now.at,
          ...(now.rotated ? { rotatedAt: now.rotated } : {}),
          ...(now.source ? { source: now.source as StoredSecret['source'] } : {}),
        })
      }
      return changed
    })
    return out
  }

  async remove(name: string): Promise<void> {
    assertMemberName(name)
    await this.update((data, meta) => {
      if (data[name] === undefined) return false
      delete data[name]
      delete meta[name]
      return true
    })
  }

  /** Deployments that use this Secret get its content hash in their pod template: Kubernetes rolls them. */
  private async rollout(hash: string): Promise<void> {
    const { apps, k8s } = await this.connect()
    const list = await apps.listNamespacedDeployment({ namespace: this.config.namespace })
    for (const d of list.items) {
      const spec = d.spec?.template?.spec
      const uses =
        spec?.volumes?.some((v) => v.secret?.secretName === this.config.name) ||
        [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].some(
          (c) =>
            c.envFrom?.some((e) => e.secretRef?.name === this.config.name) ||
            c.env?.some((e) => e.valueFrom?.secretKeyRef?.name === this.config.name),
        )
      if (!uses || d.spec?.template?.metadata?.annotations?.[HASH_ANNOTATION] === hash) continue
      await apps.patchNamespacedDeployment(
        {
          name: d.metadata!.name!,
          namespace: this.config.namespace,
          body: { spec: { template: { metadata: { annotations: { [HASH_ANNOTATION]: hash } } } } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
    }
  }
}

export const kubernetesStore: StoreDescriptor = {
  kind: 'k8s',
  summary: 'a Kubernetes Secret per environment; deployments that use it roll when values change',
  settings: {
    namespace: text.describe('the namespace (default default)'),
    name: text.describe('the Secret holding the environment (default <project>-<env>)'),
    context: text.describe('the kubeconfig context (default the current one)'),
  },
  capabilities: CAPABILITIES,
  open(settings, context) {
    const kubeContext = option(settings, 'context')
    return new KubernetesStore({
      name: option(settings, 'name') ?? k8sName(context.project, settings.name),
      namespace: option(settings, 'namespace') ?? 'default',
      ...(kubeContext ? { context: kubeContext } : {}),
    })
  },
}
