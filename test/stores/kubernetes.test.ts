import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  HASH_ANNOTATION,
  KubernetesStore,
  k8sName,
  kubernetesStore,
  ROLLOUT_ANNOTATION,
} from '../../src/stores/kubernetes.js'
import { type KubeFixture, startKubeFixture } from '../fixtures/kubernetes-api.js'
import { storeContract } from './contract.js'

let kube: KubeFixture
let n = 0
beforeAll(async () => {
  kube = await startKubeFixture(mkdtempSync(join(tmpdir(), 'hush-kube-')))
  process.env.KUBECONFIG = kube.kubeconfig
})
afterAll(() => kube.close())

describe('kubernetes store against the Kubernetes API fixture (through @kubernetes/client-node)', () => {
  storeContract('kubernetes (API fixture)', {
    async create() {
      return new KubernetesStore({ name: `app-env${n++}`, namespace: 'apps' })
    },
    // every Secret's metadata: name, labels, annotations (the data is the values)
    async sidecarText() {
      return JSON.stringify([...kube.secrets.values()].map((s) => s.metadata))
    },
  })

  it('writes with resourceVersion check-and-set and rolls the Deployments that use the Secret', async () => {
    kube.addDeployment('apps', 'api', {
      containers: [{ name: 'api', envFrom: [{ secretRef: { name: 'nemo-prod' } }] }],
    })
    kube.addDeployment('apps', 'other', { containers: [{ name: 'o' }] })
    const store = new KubernetesStore({ name: 'nemo-prod', namespace: 'apps' })
    const meta = { fingerprint: 'f1', source: 'generated' as const, at: '2026-01-01T00:00:00.000Z' }
    await store.write('session_key', 'first-value', meta)
    const hash1 =
      kube.deployments.get('apps/api')!.spec.template.metadata.annotations['hush.dev/content-hash']
    expect(hash1).toMatch(/^[0-9a-f]{16}$/)
    await store.write('session_key', 'second-value', { ...meta, fingerprint: 'f2' })
    expect(
      kube.deployments.get('apps/api')!.spec.template.metadata.annotations['hush.dev/content-hash'],
    ).not.toBe(hash1)
    expect(kube.deployments.get('apps/other')!.spec.template.metadata.annotations).toBeUndefined()
    const puts = kube.calls.filter((c) => c.method === 'PUT' && c.path.endsWith('/secrets/nemo-prod'))
    expect(puts.length).toBe(1)
    expect(
      kube.calls.some((c) => c.method === 'PATCH' && c.contentType === 'application/merge-patch+json'),
    ).toBe(true)
    // someone else changed the Secret between our read and our write: the conflict is retried
    const s = kube.secrets.get('apps/nemo-prod')!
    s.metadata.resourceVersion = '9999'
    await store.write('db_password', 'third-value', { ...meta, fingerprint: 'f3' })
    expect(Buffer.from(kube.secrets.get('apps/nemo-prod')!.data.db_password, 'base64').toString()).toBe(
      'third-value',
    )
  })

  const meta = { fingerprint: 'f1', source: 'generated' as const, at: '2026-01-01T00:00:00.000Z' }
  const hashOf = (deployment: string) =>
    kube.deployments.get(`apps/${deployment}`)!.spec.template.metadata.annotations?.[HASH_ANNOTATION]

  it('a write cut off after the Secret changed leaves the rollout pending; the next write command finishes it', async () => {
    kube.addDeployment('apps', 'cut', {
      containers: [
        { name: 'c', env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'cut-env', key: 'k' } } }] },
      ],
    })
    const store = new KubernetesStore({ name: 'cut-env', namespace: 'apps' })
    await store.write('k', 'one', meta)
    const before = hashOf('cut')
    kube.faults.arm('PATCH /apis/apps/v1/namespaces/apps/deployments/cut')
    await expect(store.write('k', 'two', { ...meta, fingerprint: 'f2' })).rejects.toThrow(/403 Forbidden/)
    const secret = () => kube.secrets.get('apps/cut-env')!
    expect(Buffer.from(secret().data.k, 'base64').toString()).toBe('two')
    expect(secret().metadata.annotations[ROLLOUT_ANNOTATION]).toBe(
      secret().metadata.annotations[HASH_ANNOTATION],
    )
    expect(hashOf('cut')).toBe(before)
    // the labels still tell the truth: they went in with the value
    expect((await store.list()).find((s) => s.name === 'k')?.fingerprint).toBe('f2')
    await store.settle()
    expect(hashOf('cut')).toBe(secret().metadata.annotations[HASH_ANNOTATION])
    expect(secret().metadata.annotations[ROLLOUT_ANNOTATION]).toBeUndefined()
    // nothing pending: settling again touches nothing
    const calls = kube.calls.length
    await store.settle()
    expect(kube.calls.slice(calls).map((c) => c.method)).toEqual(['GET'])
  })

  it('data changed behind hush (kubectl edit) leaves the fingerprints unknown, and a write of the value labels it again', async () => {
    const store = new KubernetesStore({ name: 'edited', namespace: 'apps' })
    await store.writeMany([
      { name: 'a', value: 'alpha', meta: { ...meta, fingerprint: 'fa' } },
      { name: 'b', value: 'beta', meta: { ...meta, fingerprint: 'fb' } },
    ])
    kube.secrets.get('apps/edited')!.data.a = Buffer.from('changed by hand').toString('base64')
    const listed = await store.list()
    expect(listed.map((s) => [s.name, s.fingerprint, s.version])).toEqual([
      ['a', '', 1],
      ['b', '', 1],
    ])
    await store.write('b', 'beta', { ...meta, fingerprint: 'fb' })
    expect((await store.list()).map((s) => [s.name, s.fingerprint, s.version])).toEqual([
      ['a', '', 1],
      ['b', 'fb', 1],
    ])
    await store.write('a', 'alpha', { ...meta, fingerprint: 'fa' })
    expect((await store.list()).map((s) => [s.name, s.fingerprint, s.version])).toEqual([
      ['a', 'fa', 2],
      ['b', 'fb', 1],
    ])
  })

  it('refuses an immutable Secret and one being deleted with what to do, never a value', async () => {
    const store = new KubernetesStore({ name: 'frozen', namespace: 'apps' })
    await store.write('k', 'frozen-value', meta)
    kube.secrets.get('apps/frozen')!.immutable = true
    const immutable = await store.write('k', 'new-value', { ...meta, fingerprint: 'f2' }).catch((e) => e)
    expect(immutable).toMatchObject({
      code: 'HUSH_E_KUBERNETES',
      message: expect.stringMatching(/immutable/),
    })
    expect(immutable.hint).toMatch(/kubectl delete secret -n apps frozen/)

    const going = new KubernetesStore({ name: 'going', namespace: 'apps' })
    await going.write('k', 'going-value', meta)
    const s = kube.secrets.get('apps/going')!
    s.metadata.finalizers = ['example.com/hold']
    s.metadata.deletionTimestamp = '2026-01-01T00:00:00Z'
    const deleting = await going.write('k', 'next-value', { ...meta, fingerprint: 'f2' }).catch((e) => e)
    expect(deleting).toMatchObject({
      code: 'HUSH_E_KUBERNETES',
      message: expect.stringMatching(/being deleted/),
    })
    for (const e of [immutable, deleting])
      expect(`${e.message} ${e.hint}`).not.toMatch(/frozen-value|new-value|going-value|next-value/)
  })

  it('refuses more than 1 MiB before sending it', async () => {
    const store = new KubernetesStore({ name: 'big', namespace: 'apps' })
    const calls = kube.calls.length
    await expect(store.write('k', 'x'.repeat(1024 * 1024 + 1), meta)).rejects.toThrow(/at most 1 MiB/)
    expect(kube.calls.slice(calls).map((c) => c.method)).toEqual(['GET'])
  })

  it('names follow Kubernetes rules: a DNS subdomain Secret, a DNS label namespace, checked at load', () => {
    expect(k8sName('Nemo_API', 'prod')).toBe('nemo-api-prod')
    expect(k8sName('a.', '-b')).toBe('a.b')
    const problems = (options: Record<string, string>) =>
      kubernetesStore.problems!({ name: 'cloud', store: 'k8s', options }, 'nemo')
    expect(problems({ name: 'nemo.prod-1', namespace: 'apps' })).toEqual([])
    expect(problems({ name: 'Nemo_prod' })).toEqual([
      expect.stringMatching(/^name: expected a DNS subdomain/),
    ])
    expect(problems({ name: 'a..b' })).toHaveLength(1)
    expect(problems({ namespace: 'apps.prod' })).toEqual([
      expect.stringMatching(/^namespace: expected a DNS label/),
    ])
    // vault reads `namespace` too, with slashes: the shared schema does not apply Kubernetes' rule
    expect(kubernetesStore.settings.namespace!.safeParse('admin/team-a').success).toBe(true)
  })

  it('reads KUBECONFIG from the command environment it is given, not only from this process', async () => {
    const saved = process.env.KUBECONFIG
    process.env.KUBECONFIG = join(tmpdir(), 'no-such-kubeconfig')
    try {
      const store = kubernetesStore.open(
        { name: 'cloud', store: 'k8s', options: { namespace: 'apps' } } as never,
        { processEnv: { KUBECONFIG: kube.kubeconfig }, project: 'given' } as never,
      )
      expect(await store.list()).toEqual([])
    } finally {
      process.env.KUBECONFIG = saved
    }
  })
})
