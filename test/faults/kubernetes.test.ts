/**
 * The fault matrix (test/helpers/fault-matrix.ts) for a k8s environment, through the real
 * @kubernetes/client-node against the Kubernetes API fixture: no Kubernetes API server can run here
 * (kubectl exists, but no apiserver or etcd), so the fixture is the only backend. The namespace
 * holds a Deployment that uses the environment's Secret (its rollout is part of every write) and
 * one that does not.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { type KubeFixture, startKubeFixture } from '../fixtures/kubernetes-api.js'
import { type FaultTarget, faultMatrix } from '../helpers/fault-matrix.js'

const NAMESPACE = 'apps'
let kube: KubeFixture
beforeAll(async () => {
  kube = await startKubeFixture(mkdtempSync(join(tmpdir(), 'hush-kube-faults-')))
  // the harness opens the project in-process without the target's env to check labels
  process.env.KUBECONFIG = kube.kubeconfig
})
afterAll(() => kube.close())

faultMatrix(
  'k8s (Kubernetes API fixture, real client)',
  (): FaultTarget => ({
    faults: kube.faults,
    reset: () => {
      kube.reset()
      kube.addDeployment(NAMESPACE, 'web', {
        containers: [{ name: 'web', envFrom: [{ secretRef: { name: 'faulty-cloud' } }] }],
      })
      kube.addDeployment(NAMESPACE, 'other', { containers: [{ name: 'other' }] })
    },
    store: `{ store: k8s, namespace: ${NAMESPACE} }`,
    env: { KUBECONFIG: kube.kubeconfig },
    snapshot: () => kube.snapshot(NAMESPACE),
  }),
)
