/**
 * Kubernetes exports: Secrets validated against the Kubernetes schemas (kubernetes-models) and
 * decoded-equal to what `kubectl create secret generic --dry-run=client` makes of the same values;
 * kustomize output rendered by `kubectl kustomize`; External Secrets manifests validated against
 * the operator's CRD schemas.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ExternalSecret, SecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1'
import { Secret } from 'kubernetes-models/v1'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { hush, tmpProject } from '../helpers/project.js'
import { available } from '../helpers/servers.js'

const MANIFEST = `version: 1
project: kube_app
environments: { development: { path: s } }
secrets:
  session_key: { generate: base64:32 }
  db_password: { generate: password:24 }
  signing_key: { generate: ed25519 }
  jwt_secret: { generate: base64:32, rotate: { strategy: keyring } }
services:
  api: [session_key, jwt_secret]
  worker: [db_password, signing_key]
`

const docsOf = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJSON())
    .filter(Boolean) as Record<string, any>[]
const decode = (data: Record<string, string>) =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))

async function project() {
  const dir = tmpProject(MANIFEST)
  expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
  const value = (entry: string) => readFileSync(join(dir, 's', entry), 'utf8')
  return { dir, value }
}

/** What kubectl makes of the same values, decoded. */
function kubectlSecret(name: string, values: Record<string, string>): Record<string, string> {
  const args = ['create', 'secret', 'generic', name, '--dry-run=client', '-o', 'yaml']
  for (const [k, v] of Object.entries(values)) args.push(`--from-literal=${k}=${v}`)
  const doc = docsOf(execFileSync('kubectl', args, { encoding: 'utf8' }))[0]!
  return decode(doc.data)
}

describe.runIf(available('kubectl'))('hush export k8s / kustomize / external-secrets', () => {
  it('k8s: one valid Secret per environment or per service, equal to kubectl’s, 0600, hashed', async () => {
    const { dir, value } = await project()
    const r = await hush(['export', 'k8s', '-o', 'env.yaml', '--namespace', 'apps'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(statSync(join(dir, 'env.yaml')).mode & 0o777).toBe(0o600)
    const [secret] = docsOf(readFileSync(join(dir, 'env.yaml'), 'utf8'))
    new Secret(secret as never).validate()
    expect(secret!.metadata).toMatchObject({
      name: 'kube-app-development',
      namespace: 'apps',
      labels: { 'app.kubernetes.io/managed-by': 'hush', 'hush.dev/env': 'development' },
    })
    expect(secret!.metadata.annotations['hush.dev/content-hash']).toMatch(/^[0-9a-f]{16}$/)
    expect(secret!.stringData).toEqual(kubectlSecret('x', secret!.stringData))
    expect(secret!.stringData.session_key).toBe(value('session_key'))
    expect(secret!.stringData['signing_key.pub']).toBe(value('signing_key.pub'))

    const per = await hush(['export', 'k8s', '--per', 'service', '--data', '-o', 'svc.yaml'], { cwd: dir })
    expect(per.code, per.stderr).toBe(0)
    const secrets = docsOf(readFileSync(join(dir, 'svc.yaml'), 'utf8'))
    expect(secrets.map((s) => s.metadata.name)).toEqual([
      'kube-app-development-api',
      'kube-app-development-worker',
    ])
    for (const s of secrets) new Secret(s as never).validate()
    const api = decode(secrets[0]!.data)
    expect(Object.keys(api).sort()).toEqual([
      'jwt_secret',
      'jwt_secret_previous',
      'jwt_secret_primary',
      'session_key',
    ])
    expect(api).toEqual(kubectlSecret('api', api))
    // a PEM key (multi-line) survives too
    expect(decode(secrets[1]!.data).signing_key).toBe(value('signing_key'))

    // the hash follows the values
    const before = secret!.metadata.annotations['hush.dev/content-hash']
    expect((await hush(['export', 'k8s', '-o', 'again.yaml'], { cwd: dir })).code).toBe(0)
    expect(
      docsOf(readFileSync(join(dir, 'again.yaml'), 'utf8'))[0]!.metadata.annotations['hush.dev/content-hash'],
    ).toBe(before)
    expect((await hush(['gen', 'session_key', '--force', '-q'], { cwd: dir })).code).toBe(0)
    expect((await hush(['export', 'k8s', '-o', 'after.yaml'], { cwd: dir })).code).toBe(0)
    expect(
      docsOf(readFileSync(join(dir, 'after.yaml'), 'utf8'))[0]!.metadata.annotations['hush.dev/content-hash'],
    ).not.toBe(before)

    // values reach stdout only when asked
    const refused = await hush(['export', 'k8s', '-o', '-'], { cwd: dir })
    expect(refused.code).toBe(2)
    expect(refused.stdout).not.toContain(value('session_key'))
    expect((await hush(['export', 'k8s', '-o', '-', '--reveal'], { cwd: dir })).stdout).toContain(
      value('session_key'),
    )
  })

  it('kustomize: kubectl kustomize renders valid Secrets holding exactly the values (PEM keys as files)', async () => {
    const { dir, value } = await project()
    const r = await hush(['export', 'kustomize', '-o', 'k8s/dev', '--per', 'service'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const kustomization = readFileSync(join(dir, 'k8s', 'dev', 'kustomization.yaml'), 'utf8')
    expect(kustomization).not.toContain(value('session_key'))
    expect(statSync(join(dir, 'k8s', 'dev', 'kube-app-development-api.env')).mode & 0o777).toBe(0o600)
    // kustomize folds long base64 values over several lines: join them back before validating
    const unfold = (d: Record<string, string>) =>
      Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.replace(/\s+/g, '')]))
    const rendered = docsOf(
      execFileSync('kubectl', ['kustomize', join(dir, 'k8s', 'dev')], { encoding: 'utf8' }),
    ).map((s): Record<string, any> => ({ ...s, data: unfold(s.data) }))
    expect(rendered.map((s) => s.metadata.name.replace(/-[a-z0-9]{10}$/, '')).sort()).toEqual([
      'kube-app-development-api',
      'kube-app-development-worker',
    ])
    for (const s of rendered) new Secret(s as never).validate()
    const worker = decode(
      rendered.find((s) => s.metadata.name.startsWith('kube-app-development-worker'))!.data,
    )
    expect(worker.db_password).toBe(value('db_password'))
    expect(worker.signing_key).toBe(value('signing_key'))
  })

  it('external-secrets: a SecretStore and ExternalSecrets that validate against the CRDs, with remote keys and no values', async () => {
    const { dir, value } = await project()
    for (const provider of ['aws', 'ssm', 'vault', 'gcp', 'azure']) {
      const r = await hush(['export', 'external-secrets', '--provider', provider], { cwd: dir })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).not.toContain(value('session_key'))
      const [store, external] = docsOf(r.stdout)
      new SecretStore(store as never).validate()
      new ExternalSecret(external as never).validate()
      const keys = external!.spec.data.map((d: { remoteRef: { key: string } }) => d.remoteRef.key)
      expect(keys).toContain(
        provider === 'aws' || provider === 'vault'
          ? 'kube_app/development/session_key'
          : provider === 'ssm'
            ? '/kube_app/development/session_key'
            : 'kube-app-development-session-key',
      )
    }
    expect((await hush(['export', 'external-secrets'], { cwd: dir })).code).toBe(2)
  })

  it('external-secrets: keys and provider settings come from the environment (or its distribute_to mirror) that holds the values', async () => {
    const dir = tmpProject(`version: 1
project: kube_app
environments:
  production: { path: s, distribute_to: [aws_prod, gcp_prod] }
  aws_prod: { store: aws, region: us-east-2, prefix: devplatform/prod }
  gcp_prod: { store: gcp, gcp_project: acme-prod, prefix: devplatform/prod }
  azure_prod: { store: azure, address: https://acme.vault.azure.net }
secrets:
  db_password: { generate: password:24 }
`)
    const exported = async (env: string, provider: string) => {
      const r = await hush(['export', 'external-secrets', '-e', env, '--provider', provider], { cwd: dir })
      expect(r.code, r.stderr).toBe(0)
      const [store, external] = docsOf(r.stdout)
      new SecretStore(store as never).validate()
      new ExternalSecret(external as never).validate()
      return { provider: store!.spec.provider, key: external!.spec.data[0].remoteRef.key }
    }
    expect(await exported('production', 'aws')).toEqual({
      provider: { aws: expect.objectContaining({ service: 'SecretsManager', region: 'us-east-2' }) },
      key: 'devplatform/prod/db_password',
    })
    expect(await exported('production', 'gcp')).toEqual({
      provider: { gcpsm: { projectID: 'acme-prod' } },
      key: 'devplatform-prod-db-password',
    })
    expect(await exported('azure_prod', 'azure')).toEqual({
      provider: { azurekv: expect.objectContaining({ vaultUrl: 'https://acme.vault.azure.net' }) },
      key: 'kube-app-azure-prod-db-password',
    })
  })
})
