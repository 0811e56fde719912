/**
 * src/core/export, called directly on real files stores: which entries a service mounts, where the
 * compose override points, how Kubernetes Secrets, kustomize generators and External Secrets
 * manifests are grouped and named. The CLI suites (test/cli/export*.test.ts) validate the documents
 * against kubectl and the CRDs; these test the decisions. Values: only Secret and kustomize files
 * may carry them, and every other output is checked for canaries.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseAllDocuments, stringify } from 'yaml'
import { composeOverride, entriesOf } from '../../src/core/export/compose.js'
import {
  ESO_PROVIDERS,
  externalSecrets,
  HASH_ANNOTATION,
  k8sSecrets,
  kustomize,
} from '../../src/core/export/k8s.js'
import { gen } from '../../src/core/generate/gen.js'
import type { Project } from '../../src/core/project.js'
import { FROZEN, project, tmpProject } from '../helpers/project.js'
import { available } from '../helpers/servers.js'
import { cleanSwarm, swarmAvailable, uniquePrefix } from '../helpers/swarm.js'

const made: string[] = []
const fresh = (manifest: string) => {
  const dir = tmpProject(manifest)
  made.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

const MANIFEST = `version: 1
project: kube_app
environments:
  development: { path: docker/secrets, distribute_to: [cloud] }
  cloud: { store: vault, address: "https://vault.test:8200", mount: kv, prefix: teams/kube }
  local_env: { store: dotenv, path: .env }
secrets:
  session_key: { generate: base64:32 }
  jwt_secret: { generate: base64:32, rotate: { strategy: keyring }, env: JWT }
  signing_key: { generate: ed25519 }
  pg_password: { generate: password:24, env: POSTGRES_PASSWORD }
  padded: { provide: true }
  later: { provide: true, optional: true }
services:
  api: [session_key, jwt_secret]
  worker: [pg_password, session_key, padded]
  web_ui: [jwt_secret_previous, later]
  keys: [signing_key]
`
const NO_SERVICES = `version: 1
project: plain
environments: { development: { path: s } }
secrets:
  session_key: { generate: base64:32 }
`
const PADDED = '  CANARY padded value\t'

async function put(p: Project, values: Record<string, string>): Promise<void> {
  await p.store.writeMany(
    Object.entries(values).map(([name, value]) => ({
      name,
      value,
      meta: { fingerprint: p.fingerprint(value), source: 'provided' as const, at: FROZEN.toISOString() },
    })),
  )
}

/** A generated development environment; `padded` holds a value with surrounding whitespace. */
async function generated(env = 'development') {
  const dir = fresh(MANIFEST)
  const p = await project(dir, env)
  await gen(p)
  await put(p, { padded: PADDED })
  const values: Record<string, string> = {}
  for (const s of await p.store.list()) values[s.name] = (await p.store.read(s.name))!
  return { dir, p, values }
}

/** Every value of the store, asserted absent from a document. */
function expectNoValues(doc: unknown, values: Record<string, string>): void {
  const text = JSON.stringify(doc)
  for (const [name, value] of Object.entries(values)) {
    expect(text, name).not.toContain(value)
    expect(text, name).not.toContain(JSON.stringify(value).slice(1, -1))
  }
  expect(text).not.toContain('CANARY')
}

describe('export/compose: entries and the override', () => {
  it('a secret expands to every entry it occupies; an entry named alone stays alone; repeats and unknowns drop out', async () => {
    const { manifest } = await project(fresh(MANIFEST))
    expect(
      entriesOf(manifest, [
        'jwt_secret',
        'jwt_secret_primary',
        'signing_key',
        'pg_password',
        'nope',
        'jwt_secret_previous',
        'signing_key.pub',
      ]),
    ).toEqual([
      // the secret's own entry takes its env name; other entries take theirs from the entry name
      { entry: 'jwt_secret_primary', envName: 'JWT_SECRET_PRIMARY' },
      { entry: 'jwt_secret_previous', envName: 'JWT_SECRET_PREVIOUS' },
      { entry: 'jwt_secret', envName: 'JWT' },
      { entry: 'signing_key', envName: 'SIGNING_KEY' },
      { entry: 'signing_key.pub', envName: 'SIGNING_KEY_PUB' },
      { entry: 'pg_password', envName: 'POSTGRES_PASSWORD' },
    ])
    expect(entriesOf(manifest, ['signing_key.pub'])).toEqual([
      { entry: 'signing_key.pub', envName: 'SIGNING_KEY_PUB' },
    ])
    expect(entriesOf(manifest, [])).toEqual([])
  })

  it('file: paths are relative to the override’s directory, with ./ when the store is below it; no values', async () => {
    const { dir, p, values } = await generated()
    const at = async (...parts: string[]) => (await composeOverride(p, join(dir, ...parts))).secrets
    expect((await at('docker-compose.hush.yml')).session_key).toEqual({
      file: './docker/secrets/session_key',
    })
    expect((await at('deploy', 'stack', 'o.yml')).session_key).toEqual({
      file: '../../docker/secrets/session_key',
    })
    expect((await at('docker', 'secrets', 'o.yml'))['signing_key.pub']).toEqual({ file: './signing_key.pub' })
    const override = await composeOverride(p, join(dir, 'o.yml'))
    // every entry a service names, with or without a value yet (later is optional and unset)
    expect(Object.keys(override.secrets).sort()).toEqual(
      [
        'later',
        'jwt_secret',
        'jwt_secret_previous',
        'jwt_secret_primary',
        'padded',
        'pg_password',
        'session_key',
        'signing_key',
        'signing_key.pub',
      ].sort(),
    )
    expect(override.services.worker).toEqual({
      secrets: ['pg_password', 'session_key', 'padded'],
      environment: {
        POSTGRES_PASSWORD_FILE: '/run/secrets/pg_password',
        SESSION_KEY_FILE: '/run/secrets/session_key',
        PADDED_FILE: '/run/secrets/padded',
      },
    })
    expectNoValues(override, values)
  })

  it('refuses a store without secret files, and a manifest without services, with their codes', async () => {
    const dir = fresh(MANIFEST)
    await expect(composeOverride(await project(dir, 'local_env'), join(dir, 'o.yml'))).rejects.toMatchObject({
      code: 'HUSH_E_STORE_UNSUPPORTED',
      message: expect.stringContaining('local_env uses dotenv'),
    })
    const bare = fresh(NO_SERVICES)
    await expect(composeOverride(await project(bare), join(bare, 'o.yml'))).rejects.toMatchObject({
      code: 'HUSH_E_USAGE',
      message: expect.stringContaining('declares no services'),
    })
  })

  it.runIf(swarmAvailable())(
    "a swarm environment names the pushed version holding each entry's value (else the newest) and refuses one not pushed yet",
    async () => {
      const prefix = uniquePrefix('cmp')
      const dir = fresh(`version: 1
project: swarmy
environments: { production: { store: swarm, path: s/prod, prefix: ${prefix} } }
secrets:
  session_key: { generate: base64:32 }
  pg_password: { generate: password:24 }
services:
  api: [session_key]
  db: [pg_password]
`)
      const p = await project(dir, 'production')
      await gen(p)
      const target = p.target!
      const push = (name: string, value: string) =>
        target.write(name, value, {
          fingerprint: p.fingerprint(value),
          source: 'generated',
          at: FROZEN.toISOString(),
        })
      try {
        await push('session_key', (await p.store.read('session_key'))!)
        await expect(composeOverride(p, join(dir, 'o.yml'))).rejects.toMatchObject({
          code: 'HUSH_E_USAGE',
          message: 'pg_password has not been pushed to the swarm yet',
          hint: expect.stringContaining('hush push -e production'),
        })
        await push('pg_password', (await p.store.read('pg_password'))!)
        const second = 'a-second-version-of-the-session-key'
        await push('session_key', second)
        // the version holding the environment's value: what push and rotation moved the services to
        expect((await composeOverride(p, join(dir, 'o.yml'))).secrets).toEqual({
          session_key: { external: true, name: `${prefix}_session_key_v1` },
          pg_password: { external: true, name: `${prefix}_pg_password_v1` },
        })
        // what a rotation step just sent wins over the store, which holds it only from PROMOTED on
        const sent = new Map([['session_key', p.fingerprint(second)]])
        expect((await composeOverride(p, join(dir, 'o.yml'), sent)).secrets.session_key).toEqual({
          external: true,
          name: `${prefix}_session_key_v2`,
        })
        // a value set but not pushed yet: the newest pushed version
        await p.store.write('session_key', 'a-third-value-not-pushed', {
          fingerprint: p.fingerprint('a-third-value-not-pushed'),
          source: 'provided',
          at: FROZEN.toISOString(),
        })
        const override = await composeOverride(p, join(dir, 'o.yml'))
        expect(override.secrets.session_key).toEqual({ external: true, name: `${prefix}_session_key_v2` })
        expect(override.services.db).toEqual({
          secrets: ['pg_password'],
          environment: { PG_PASSWORD_FILE: '/run/secrets/pg_password' },
        })
      } finally {
        await cleanSwarm(prefix)
      }
    },
  )
})

describe('export/k8s: Secrets, kustomize and External Secrets', () => {
  it('per env: one Secret named after project and environment holding every entry that has a value', async () => {
    const { p, values } = await generated()
    const [secret, ...rest] = await k8sSecrets(p)
    expect(rest).toEqual([])
    expect(secret!.metadata).toEqual({
      name: 'kube-app-development',
      labels: {
        'app.kubernetes.io/managed-by': 'hush',
        'hush.dev/project': 'kube-app',
        'hush.dev/env': 'development',
      },
      annotations: { [HASH_ANNOTATION]: expect.stringMatching(/^[0-9a-f]{16}$/) },
    })
    expect(secret!.data).toBeUndefined()
    // the optional secret without a value is left out, not exported empty
    expect(secret!.stringData).toEqual(values)
    expect(Object.keys(values)).not.toContain('later')
  })

  it('per service: one Secret per services: entry, with its entries only, a service label and a namespace', async () => {
    const { p, values } = await generated()
    const secrets = await k8sSecrets(p, { per: 'service', namespace: 'apps' })
    expect(
      secrets.map((s) => [s.metadata.name, s.metadata.namespace, s.metadata.labels['hush.dev/service']]),
    ).toEqual([
      ['kube-app-development-api', 'apps', 'api'],
      ['kube-app-development-worker', 'apps', 'worker'],
      ['kube-app-development-web-ui', 'apps', 'web-ui'],
      ['kube-app-development-keys', 'apps', 'keys'],
    ])
    const keysOf = (i: number) => Object.keys(secrets[i]!.stringData!)
    expect(keysOf(0)).toEqual(['session_key', 'jwt_secret_primary', 'jwt_secret_previous', 'jwt_secret'])
    expect(keysOf(1)).toEqual(['pg_password', 'session_key', 'padded'])
    expect(keysOf(2)).toEqual(['jwt_secret_previous']) // later has no value: left out
    expect(secrets[1]!.stringData!.padded).toBe(values.padded)
  })

  it('data: base64 of the exact bytes, and the content hash is the same as for stringData and follows the values', async () => {
    const { p } = await generated()
    const [plain] = await k8sSecrets(p)
    const [encoded] = await k8sSecrets(p, { data: true })
    expect(encoded!.stringData).toBeUndefined()
    const decoded = Object.fromEntries(
      Object.entries(encoded!.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    )
    expect(decoded).toEqual(plain!.stringData)
    const hash = (s: typeof plain) => s!.metadata.annotations[HASH_ANNOTATION]
    expect(hash(encoded)).toBe(hash(plain))
    expect(hash((await k8sSecrets(p))[0])).toBe(hash(plain))
    await put(p, { padded: 'another value' })
    expect(hash((await k8sSecrets(p))[0])).not.toBe(hash(plain))
  })

  it('per service without services: is a usage error for Secrets and kustomize', async () => {
    const p = await project(fresh(NO_SERVICES))
    await gen(p)
    for (const run of [() => k8sSecrets(p, { per: 'service' }), () => kustomize(p, { per: 'service' })])
      await expect(run()).rejects.toMatchObject({
        code: 'HUSH_E_USAGE',
        hint: expect.stringContaining('--per env'),
      })
    expect((await k8sSecrets(p)).map((s) => s.metadata.name)).toEqual(['plain-development'])
  })

  it('kustomize: one-line values go to an env file, multi-line or padded ones to files; the kustomization holds no value', async () => {
    const { p, values } = await generated()
    const { kustomization, files } = await kustomize(p, { per: 'service', namespace: 'apps' })
    expect(kustomization).toMatchObject({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: 'apps',
    })
    const generators = kustomization.secretGenerator as Record<string, unknown>[]
    const worker = generators.find((g) => g.name === 'kube-app-development-worker')
    expect(worker).toEqual({
      name: 'kube-app-development-worker',
      type: 'Opaque',
      envs: ['kube-app-development-worker.env'],
      files: ['padded=kube-app-development-worker/padded'],
      options: { labels: { 'app.kubernetes.io/managed-by': 'hush', 'hush.dev/env': 'development' } },
    })
    expect(files['kube-app-development-worker.env']).toBe(
      `pg_password=${values.pg_password}\nsession_key=${values.session_key}\n`,
    )
    expect(files['kube-app-development-worker/padded']).toBe(PADDED)
    // both halves of a key pair are PEM (multi-line): no env file at all
    const keys = generators.find((g) => g.name === 'kube-app-development-keys')
    expect(keys).not.toHaveProperty('envs')
    expect(keys!.files).toEqual([
      'signing_key=kube-app-development-keys/signing_key',
      'signing_key.pub=kube-app-development-keys/signing_key.pub',
    ])
    expect(files).not.toHaveProperty('kube-app-development-keys.env')
    expect(files['kube-app-development-keys/signing_key']).toBe(values.signing_key)
    expectNoValues(kustomization, values)
  })

  it.runIf(available('kubectl'))(
    'kustomize: kubectl renders the files back to the exact values, whitespace and PEM newlines included',
    async () => {
      const { dir, p, values } = await generated()
      const { kustomization, files } = await kustomize(p)
      const out = join(dir, 'k')
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(join(out, name, '..'), { recursive: true })
        writeFileSync(join(out, name), text)
      }
      writeFileSync(join(out, 'kustomization.yaml'), stringify(kustomization))
      const [secret] = parseAllDocuments(
        execFileSync('kubectl', ['kustomize', out], { encoding: 'utf8' }),
      ).map((d) => d.toJSON() as { data: Record<string, string> })
      const decoded = Object.fromEntries(
        Object.entries(secret!.data).map(([k, v]) => [
          k,
          Buffer.from(v.replace(/\s+/g, ''), 'base64').toString(),
        ]),
      )
      expect(decoded).toEqual(values)
    },
  )

  it('external-secrets: a store kind with no ESO provider is a usage error naming the ones there are', async () => {
    const p = await project(fresh(MANIFEST))
    expect(ESO_PROVIDERS).toEqual(expect.arrayContaining(['vault', 'aws', 'gcp']))
    expect(ESO_PROVIDERS).not.toContain('files')
    expect(() => externalSecrets(p, 'files')).toThrow(
      expect.objectContaining({ code: 'HUSH_E_USAGE', hint: `use one of: ${ESO_PROVIDERS.join(', ')}` }),
    )
  })

  it('external-secrets: remote keys come from the environment whose store is the provider, else from a distribute_to one, else a default', async () => {
    const { dir, p, values } = await generated()
    const keysOf = (docs: Record<string, unknown>[]) =>
      (docs[1] as { spec: { data: { remoteRef: unknown }[] } }).spec.data.map((d) => d.remoteRef)
    // development distributes to cloud, a vault store with its own prefix, address and mount
    const viaSink = externalSecrets(p, 'vault')
    expect(viaSink[0]).toMatchObject({
      kind: 'SecretStore',
      metadata: { name: 'kube-app-development-vault' },
      spec: { provider: { vault: { server: 'https://vault.test:8200', path: 'kv' } } },
    })
    expect(keysOf(viaSink)).toContainEqual({ key: 'teams/kube/session_key', property: 'value' })
    // the exported environment is the vault one: the same prefix, named after it
    const own = externalSecrets(await project(dir, 'cloud'), 'vault')
    expect(keysOf(own)).toContainEqual({ key: 'teams/kube/session_key', property: 'value' })
    expect((own[1] as { metadata: { name: string } }).metadata.name).toBe('kube-app-cloud')
    // no environment uses aws: the default prefix, and the provider's defaults
    const none = externalSecrets(p, 'aws')
    expect(keysOf(none)).toContainEqual({ key: 'kube_app/development/session_key' })
    expect(none[0]).toMatchObject({ spec: { provider: { aws: { region: 'eu-west-1' } } } })
    expect(keysOf(externalSecrets(p, 'gcp'))).toContainEqual({ key: 'kube-app-development-session-key' })
    for (const docs of [viaSink, own, none]) expectNoValues(docs, values)
  })

  it('external-secrets: per service, one ExternalSecret per service over its entries, all in the namespace', async () => {
    const p = await project(fresh(MANIFEST))
    const [store, ...externals] = externalSecrets(p, 'aws', { per: 'service', namespace: 'apps' }) as {
      kind: string
      metadata: { name: string; namespace?: string }
      spec: {
        secretStoreRef?: { name: string }
        target?: { name: string }
        data?: { secretKey: string }[]
      }
    }[]
    expect(store!.metadata).toEqual({ name: 'kube-app-development-aws', namespace: 'apps' })
    expect(
      externals.map((e) => [
        e.metadata.name,
        e.metadata.namespace,
        e.spec.secretStoreRef!.name,
        e.spec.target!.name,
      ]),
    ).toEqual(
      ['api', 'worker', 'web-ui', 'keys'].map((s) => [
        `kube-app-development-${s}`,
        'apps',
        'kube-app-development-aws',
        `kube-app-development-${s}`,
      ]),
    )
    // remote keys only: an entry without a value here (later) is still referenced
    expect(externals[2]!.spec.data!.map((d) => d.secretKey)).toEqual(['jwt_secret_previous', 'later'])
  })
})
