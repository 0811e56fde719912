/**
 * A Kubernetes environment (one Secret) against the Kubernetes API fixture (no cluster runs here),
 * through @kubernetes/client-node: push from a files environment by fingerprint, and a rotation
 * that rolls the Deployment that uses the Secret.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KubeFixture, startKubeFixture } from '../fixtures/kubernetes-api.js'
import { hush, tmpProject } from '../helpers/project.js'

let kube: KubeFixture
beforeAll(async () => {
  kube = await startKubeFixture(mkdtempSync(join(tmpdir(), 'hush-kube-')))
})
afterAll(() => kube.close())

describe('a k8s environment (Kubernetes API fixture, real client)', () => {
  it('push writes one Secret by fingerprint, a second push changes nothing, rotation rolls its Deployment', async () => {
    const dir = tmpProject(`version: 1
project: kubed
environments:
  development: { path: s }
  cluster: { store: k8s, namespace: apps }
secrets:
  session_key: { generate: base64:32 }
  db_password: { generate: password:24, rotate: { consumers: restart } }
`)
    kube.addDeployment('apps', 'web', {
      containers: [{ name: 'web' }],
      volumes: [{ name: 's', secret: { secretName: 'kubed-cluster' } }],
    })
    const run = (...args: string[]) => hush(args, { cwd: dir, env: { KUBECONFIG: kube.kubeconfig } })
    expect((await run('gen', '-q')).code).toBe(0)
    const pushed = await run('push', '--to', 'cluster')
    expect(pushed.code, pushed.stderr).toBe(0)
    expect(pushed.stdout).toContain('2 created, 0 updated, 0 unchanged')
    const secret = kube.secrets.get('apps/kubed-cluster')!
    expect(Buffer.from(secret.data.session_key, 'base64').toString()).toBe(
      readFileSync(join(dir, 's', 'session_key'), 'utf8'),
    )
    expect((await run('push', '--to', 'cluster')).stdout).toContain('0 created, 0 updated, 2 unchanged')
    const hash = () =>
      kube.deployments.get('apps/web')!.spec.template.metadata.annotations?.['hush.dev/content-hash']
    const before = hash()
    expect(before).toMatch(/^[0-9a-f]{16}$/)
    const rotated = await run('rotate', 'db_password', '-e', 'cluster')
    expect(rotated.code, rotated.stderr).toBe(0)
    expect(hash()).not.toBe(before)
    expect(pushed.stdout + rotated.stdout).not.toContain(readFileSync(join(dir, 's', 'db_password'), 'utf8'))
  })
})
