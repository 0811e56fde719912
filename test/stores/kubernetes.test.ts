import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KubernetesStore } from '../../src/stores/kubernetes.js'
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
})
