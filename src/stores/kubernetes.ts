/**
 * A Kubernetes Secret as a store, through the official client
 * (`@kubernetes/client-node`, loaded on first use; kubeconfig from KUBECONFIG,
 * ~/.kube/config or the in-cluster service account). The environment is one
 * Secret (`<project>-<env>`) whose keys are the entries; hush's metadata is one
 * JSON annotation, written in the same update as the values, with the content
 * hash of the values it describes (data changed by anyone else leaves the labels
 * unknown, never wrong). Every write is check-and-set on `resourceVersion` (a
 * conflict re-reads and retries). After values change, Deployments in the
 * namespace that use the Secret get its content hash in their pod template, so
 * they roll: the update that changes the values also marks the rollout pending
 * (an annotation), which is cleared once every such Deployment carries the hash.
 * A run cut off in between leaves the mark; the next write command (`settle`)
 * finishes the rollout.
 */

import { createHash } from 'node:crypto'
import { delimiter } from 'node:path'
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
  /** KUBECONFIG as the command's environment gives it (files separated like PATH) */
  readonly kubeconfig?: string
}

export const HASH_ANNOTATION = 'hush.dev/content-hash'
/** on the Secret: the content hash its Deployments have not all been moved onto yet */
export const ROLLOUT_ANNOTATION = 'hush.dev/rollout-pending'
const META = 'hush.dev/meta'
type Meta = Record<
  string,
  { v: number; fp: string; created: string; at: string; rotated?: string; source?: string }
>

type Client = { core: CoreV1Api; apps: AppsV1Api; k8s: typeof import('@kubernetes/client-node') }

/** Kubernetes' rules ("Object Names and IDs"): a Secret's name is a DNS subdomain, a namespace a DNS label. */
const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
export const DNS_SUBDOMAIN = new RegExp(`^(?=.{1,253}$)${DNS_LABEL}(\\.${DNS_LABEL})*$`)
export const DNS_LABEL_NAME = new RegExp(`^(?=.{1,63}$)${DNS_LABEL}$`)
/** "Secrets", size limit: the values of one Secret together at most 1 MiB. */
const MAX_SECRET_BYTES = 1024 * 1024
/** apimachinery's annotation limit: keys and values of an object's annotations together at most 256 KiB. */
const MAX_ANNOTATION_BYTES = 256 * 1024

/** A DNS-1123 subdomain from project, environment or service names (`nemo_api` → `nemo-api`). */
export function k8sName(...parts: string[]): string {
  const name = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-*\.[-.]*/g, '.') // every dot-separated label starts and ends with a letter or digit
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
  if (!DNS_SUBDOMAIN.test(name))
    throw new HushError('HUSH_E_UNSAFE_NAME', `cannot make a Kubernetes name from ${parts.join('-')}`, {
      hint: 'give the Secret a name: setting (a DNS subdomain: a-z, 0-9, "-" and ".", at most 253 characters)',
    })
  return name
}

/** sha256 over the sorted entries: the same values give the same hash on every machine. */
export function contentHash(values: Readonly<Record<string, string>>): string {
  const h = createHash('sha256')
  for (const key of Object.keys(values).sort()) h.update(`${key}\0${values[key]}\0`)
  return h.digest('hex').slice(0, 16)
}

const valuesOf = (data: Readonly<Record<string, string>> = {}) =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))

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
      // the command's environment, not this process's (the same thing unless hush runs as a library)
      const files = (this.config.kubeconfig ?? '').split(delimiter).filter(Boolean)
      if (files.length === 0) kc.loadFromDefault()
      else {
        kc.loadFromFile(files[0]!)
        for (const file of files.slice(1)) {
          const more = new k8s.KubeConfig()
          more.loadFromFile(file)
          kc.mergeConfig(more)
        }
      }
      if (this.config.context) kc.setCurrentContext(this.config.context)
      return { k8s, core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api) }
    })
    return this.client
  }

  /** The API's refusal as a hush error: its code and reason (never its message, which may quote the object). */
  private failure(what: string, err: unknown): HushError {
    const code = (err as { code?: number }).code
    let reason: string | undefined
    try {
      reason = (JSON.parse(String((err as { body?: unknown }).body)) as { reason?: string }).reason
    } catch {}
    const hint =
      code === 401 || code === 403
        ? 'check the kubeconfig credentials and that the role may get, create, update and patch secrets, and list and patch deployments'
        : code === 409
          ? 'someone else keeps changing the Secret: run the command again'
          : code === 422
            ? 'the API server refused the Secret as invalid (values together at most 1 MiB, an immutable Secret keeps its data)'
            : 'check KUBECONFIG / the current context and that the API server answers'
    return new HushError(
      'HUSH_E_KUBERNETES',
      `the Kubernetes API refused ${what} (${code ?? (err as Error).message}${reason ? ` ${reason}` : ''})`,
      { hint },
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

  /**
   * hush's labels, with fingerprints only when they describe the data: the content hash written
   * with them is the hash of the values the Secret holds. Data changed by anyone else (kubectl
   * edit) leaves every fingerprint unknown (''), never wrong; versions and times stay.
   */
  private labelsOf(secret: V1Secret | undefined): Meta {
    const meta = this.metaOf(secret)
    if (secret?.metadata?.annotations?.[HASH_ANNOTATION] === contentHash(valuesOf(secret?.data))) return meta
    return Object.fromEntries(Object.entries(meta).map(([k, m]) => [k, { ...m, fp: '' }]))
  }

  async list(): Promise<StoredSecret[]> {
    const secret = await this.get()
    const meta = this.labelsOf(secret)
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

  /** Refuse, before sending, what the API server would refuse or what would not last. */
  private assertWritable(secret: V1Secret | undefined, body: V1Secret): void {
    const where = this.location
    if (secret?.metadata?.deletionTimestamp)
      throw new HushError('HUSH_E_KUBERNETES', `${where} is being deleted (it waits for its finalizers)`, {
        hint: `values written now would go with it: once it is gone (kubectl get secret -n ${this.config.namespace} ${this.config.name}), run the command again`,
      })
    if (secret?.immutable)
      throw new HushError('HUSH_E_KUBERNETES', `${where} is immutable: its values cannot change`, {
        hint: `delete it (kubectl delete secret -n ${this.config.namespace} ${this.config.name}) and run the command again: hush recreates it`,
      })
    const bytes = Object.values(body.data ?? {}).reduce((n, v) => n + Buffer.from(v, 'base64').length, 0)
    if (bytes > MAX_SECRET_BYTES)
      throw new HushError(
        'HUSH_E_KUBERNETES',
        `${where} would hold ${bytes} bytes: a Secret holds at most 1 MiB`,
        {
          hint: 'split the environment across two stores, or keep large files out of secrets',
        },
      )
    const annotations = Object.entries(body.metadata?.annotations ?? {})
    if (annotations.reduce((n, [k, v]) => n + k.length + v.length, 0) > MAX_ANNOTATION_BYTES)
      throw new HushError(
        'HUSH_E_KUBERNETES',
        `${where}'s annotations would pass 256 KiB (hush's labels of every entry)`,
        {
          hint: 'split the environment across two stores',
        },
      )
  }

  /**
   * Read, change, replace with the read resourceVersion; a conflict (someone else wrote) re-reads,
   * up to 5 times. The values, hush's labels and the pending rollout go in one update; the rollout
   * follows. With no change, a rollout an earlier run left pending is finished.
   */
  private async update(change: (data: Record<string, string>, meta: Meta) => boolean): Promise<void> {
    const { core } = await this.connect()
    for (let attempt = 0; ; attempt++) {
      const secret = await this.get()
      const data = { ...(secret?.data ?? {}) }
      const meta = this.labelsOf(secret)
      if (!change(data, meta)) {
        if (secret) await this.finishRollout(secret)
        return
      }
      const hash = contentHash(valuesOf(data))
      const body: V1Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: secret?.type ?? 'Opaque',
        metadata: {
          name: this.config.name,
          namespace: this.config.namespace,
          labels: { ...(secret?.metadata?.labels ?? {}), 'app.kubernetes.io/managed-by': 'hush' },
          annotations: {
            ...(secret?.metadata?.annotations ?? {}),
            [META]: JSON.stringify(meta),
            [HASH_ANNOTATION]: hash,
            [ROLLOUT_ANNOTATION]: hash,
          },
          ...(secret?.metadata?.resourceVersion ? { resourceVersion: secret.metadata.resourceVersion } : {}),
        },
        data,
      }
      this.assertWritable(secret, body)
      let written: V1Secret
      try {
        written = secret
          ? await core.replaceNamespacedSecret({
              name: this.config.name,
              namespace: this.config.namespace,
              body,
            })
          : await core.createNamespacedSecret({ namespace: this.config.namespace, body })
      } catch (err) {
        const code = (err as { code?: number }).code
        if ((code === 409 || code === 404) && attempt < 5) continue
        throw this.failure(`writing ${this.location}`, err)
      }
      await this.finishRollout(written)
      return
    }
  }

  /**
   * The second half of a write: roll the Deployments onto the Secret's values, then clear the
   * pending mark (a merge patch on the resourceVersion the rollout started from; someone else's
   * write in between re-reads, and its own mark stays for it or for us).
   */
  private async finishRollout(from: V1Secret): Promise<void> {
    const { core, k8s } = await this.connect()
    let secret: V1Secret | undefined = from
    for (let attempt = 0; secret?.metadata?.annotations?.[ROLLOUT_ANNOTATION] !== undefined; attempt++) {
      await this.rollout(contentHash(valuesOf(secret.data)))
      try {
        await core.patchNamespacedSecret(
          {
            name: this.config.name,
            namespace: this.config.namespace,
            body: {
              metadata: {
                resourceVersion: secret.metadata?.resourceVersion,
                annotations: { [ROLLOUT_ANNOTATION]: null },
              },
            },
          },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        )
        return
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || attempt >= 5)
          throw this.failure(`writing ${this.location}`, err)
        secret = await this.get()
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
        } else if (old?.fp !== m.fingerprint) {
          // the value is there but its labels are missing or unknown (written by someone else): label it
          changed = true
          meta[name] = {
            v: old?.v ?? 1,
            fp: m.fingerprint,
            created: old?.created ?? m.at,
            at: old?.at ?? m.at,
            source: m.source,
            ...(old?.rotated ? { rotated: old.rotated } : {}),
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

  /** Finish a rollout a cut-off run left pending (the Secret's mark); nothing when none is. */
  async settle(): Promise<void> {
    await this.update(() => false)
  }

  /** Deployments that use this Secret get its content hash in their pod template: Kubernetes rolls them. */
  private async rollout(hash: string): Promise<void> {
    const { apps, k8s } = await this.connect()
    const what = `rolling the Deployments in ${this.config.namespace} that use ${this.config.name}`
    const list = await apps
      .listNamespacedDeployment({ namespace: this.config.namespace })
      .catch((err: unknown) => {
        throw this.failure(what, err)
      })
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
      await apps
        .patchNamespacedDeployment(
          {
            name: d.metadata!.name!,
            namespace: this.config.namespace,
            body: { spec: { template: { metadata: { annotations: { [HASH_ANNOTATION]: hash } } } } },
          },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        )
        .catch((err: unknown) => {
          throw this.failure(what, err)
        })
    }
  }
}

export const kubernetesStore: StoreDescriptor = {
  kind: 'k8s',
  summary: 'a Kubernetes Secret per environment; deployments that use it roll when values change',
  settings: {
    // vault reads `namespace` too (its namespaces have slashes): Kubernetes' rules are in problems()
    namespace: text.describe('the namespace (default default)'),
    name: text.describe('the Secret holding the environment (default <project>-<env>)'),
    context: text.describe('the kubeconfig context (default the current one)'),
  },
  capabilities: CAPABILITIES,
  problems(settings) {
    const namespace = option(settings, 'namespace')
    const name = option(settings, 'name')
    return [
      ...(namespace !== undefined && !DNS_LABEL_NAME.test(namespace)
        ? [`namespace: expected a DNS label: a-z, 0-9 and "-", at most 63 characters`]
        : []),
      ...(name !== undefined && !DNS_SUBDOMAIN.test(name)
        ? [`name: expected a DNS subdomain: a-z, 0-9, "-" and ".", at most 253 characters`]
        : []),
    ]
  },
  open(settings, context) {
    const kubeContext = option(settings, 'context')
    const kubeconfig = context.processEnv.KUBECONFIG
    return new KubernetesStore({
      name: option(settings, 'name') ?? k8sName(context.project, settings.name),
      namespace: option(settings, 'namespace') ?? 'default',
      ...(kubeContext ? { context: kubeContext } : {}),
      ...(kubeconfig ? { kubeconfig } : {}),
    })
  },
}
