/**
 * vault, aws, ssm, gcp and azure environments from the command line, each through its real SDK (Vault:
 * plain HTTP) against its API fixture (no Vault or cloud runs here): push plans by fingerprint and is idempotent, a push cut off by a
 * refused write resumes without duplicating versions, rotation adds exactly one version (and one to
 * the derived secret), pull copies back by fingerprint, and no value reaches any output.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dashedName } from '../../src/lib/names.js'
import { type AwsFixture, startAwsFixture } from '../fixtures/aws-secretsmanager-api.js'
import { type SsmFixture, startSsmFixture } from '../fixtures/aws-ssm-api.js'
import { type AzureFixture, startAzureFixture } from '../fixtures/azure-keyvault-api.js'
import { type GcpFixture, startGcpFixture } from '../fixtures/gcp-secretmanager-api.js'
import { startVaultFixture, type VaultFixture } from '../fixtures/vault-api.js'
import { type CliResult, hush, tmpProject } from '../helpers/project.js'

interface Cloud {
  /** the API fixture: refuses writes after `failWritesAfter` more */
  fixture: { failWritesAfter: number | undefined; close(): Promise<void> }
  /** the environment's line in hush.yaml */
  store(prefix: string): string
  env(): Record<string, string>
  versions(prefix: string, entry: string): number
  code: string
}

const AWS_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDFIXTURE', AWS_SECRET_ACCESS_KEY: 'fixture-secret' }

const clouds: Record<string, () => Promise<Cloud>> = {
  async vault() {
    const f: VaultFixture = await startVaultFixture()
    return {
      fixture: f,
      store: (prefix) => `{ store: vault, address: ${f.address}, prefix: ${prefix} }`,
      env: () => ({ VAULT_TOKEN: f.token }),
      versions: (prefix, entry) => f.kv.get(`${prefix}/${entry}`)?.versions.length ?? 0,
      code: 'HUSH_E_VAULT',
    }
  },
  async aws() {
    const f: AwsFixture = await startAwsFixture()
    return {
      fixture: f,
      store: (prefix) => `{ store: aws, region: eu-west-1, endpoint: ${f.endpoint}, prefix: ${prefix} }`,
      env: () => AWS_CREDENTIALS,
      versions: (prefix, entry) => f.secrets.get(`${prefix}/${entry}`)?.versions.size ?? 0,
      code: 'HUSH_E_AWS',
    }
  },
  async gcp() {
    const f: GcpFixture = await startGcpFixture('fixture-project')
    return {
      fixture: f,
      store: (prefix) =>
        `{ store: gcp, gcp_project: fixture-project, endpoint: ${f.endpoint}, prefix: ${prefix} }`,
      env: () => ({ GOOGLE_OAUTH_ACCESS_TOKEN: f.token }),
      versions: (prefix, entry) => f.versionsOf(dashedName(prefix, entry)),
      code: 'HUSH_E_GCP',
    }
  },
  async azure() {
    const f: AzureFixture = await startAzureFixture()
    return {
      fixture: f,
      store: (prefix) => `{ store: azure, address: ${f.address}, prefix: ${prefix} }`,
      env: () => ({ AZURE_ACCESS_TOKEN: f.token }),
      versions: (prefix, entry) => f.versionsOf(dashedName(prefix, entry)),
      code: 'HUSH_E_AZURE',
    }
  },
  async ssm() {
    const f: SsmFixture = await startSsmFixture()
    return {
      fixture: f,
      store: (prefix) => `{ store: ssm, region: eu-west-1, endpoint: ${f.endpoint}, prefix: ${prefix} }`,
      env: () => AWS_CREDENTIALS,
      versions: (prefix, entry) => f.parameters.get(`/${prefix}/${entry}`)?.version ?? 0,
      code: 'HUSH_E_AWS',
    }
  },
}

const ENTRIES = [
  'db_user',
  'session_key',
  'db_password',
  'database_url',
  'jwt_secret_primary',
  'jwt_secret_previous',
  'jwt_secret',
]

for (const [kind, start] of Object.entries(clouds)) {
  describe(`a ${kind} environment (API fixture, real SDK)`, () => {
    let cloud: Cloud
    beforeAll(async () => {
      cloud = await start()
    })
    afterAll(() => cloud.fixture.close())

    let n = 0
    function setup() {
      const prefix = `devplatform/prod${n++}`
      const dir = tmpProject(`version: 1
project: clouded
environments:
  development: { path: s/dev }
  restore: { path: s/restore }
  cloud: ${cloud.store(prefix)}
secrets:
  db_user: { value: app }
  session_key: { generate: base64:32 }
  # no database server runs here: rotating db_password needs --allow-downtime (its URL names a server)
  db_password: { generate: password:24, rotate: 30d }
  database_url: { derive: "postgres://{{db_user}}:{{db_password | url}}@db/app" }
  jwt_secret: { generate: base64:32, rotate: { strategy: keyring } }
`)
      const run = (...args: string[]) => hush(args, { cwd: dir, env: cloud.env() })
      const local = (entry: string) => readFileSync(join(dir, 's', 'dev', entry), 'utf8')
      const versions = (entry: string) => cloud.versions(prefix, entry)
      return { dir, run, local, versions }
    }

    it('push plans by fingerprint, writes each value once, and a second push changes nothing', async () => {
      const { run, local, versions } = setup()
      expect((await run('gen', '-q')).code).toBe(0)
      const dry = await run('push', '--to', 'cloud', '--dry-run', '--json')
      expect(dry.code, dry.stderr).toBe(0)
      expect(JSON.parse(dry.stdout).counts).toMatchObject({ created: 7, updated: 0, unchanged: 0 })
      expect(versions('session_key')).toBe(0)
      const first = await run('push', '--to', 'cloud')
      expect(first.code, first.stderr).toBe(0)
      expect(first.stdout).toContain('7 created, 0 updated, 0 unchanged')
      const again = await run('push', '--to', 'cloud')
      expect(again.stdout).toContain('0 created, 0 updated, 7 unchanged')
      for (const entry of ENTRIES) expect(versions(entry), entry).toBe(1)
      expect((await run('gen', 'session_key', '--force', '-q')).code).toBe(0)
      expect((await run('push', '--to', 'cloud')).stdout).toContain('0 created, 1 updated, 6 unchanged')
      expect(versions('session_key')).toBe(2)
      const reveal = await run('get', 'session_key', '-e', 'cloud', '--reveal')
      expect(reveal.stdout).toBe(local('session_key'))
      for (const r of [dry, first, again]) expectClean(r, [local('session_key'), local('db_password')])
    })

    it('a push cut off by a refused write resumes without duplicating versions', async () => {
      const { run, local, versions } = setup()
      expect((await run('gen', '-q')).code).toBe(0)
      cloud.fixture.failWritesAfter = 2
      const broken = await run('push', '--to', 'cloud')
      cloud.fixture.failWritesAfter = undefined
      expect(broken.code).toBe(1)
      expect(broken.stderr).toContain(cloud.code)
      const resumed = await run('push', '--to', 'cloud')
      expect(resumed.code, resumed.stderr).toBe(0)
      for (const entry of ENTRIES) expect(versions(entry), entry).toBe(1)
      expect(JSON.parse((await run('push', '--to', 'cloud', '--json')).stdout).counts.unchanged).toBe(7)
      expectClean(broken, [local('session_key'), local('db_password')])
    })

    it('rotation adds one version to the secret and one to what derives from it', async () => {
      const { run, versions } = setup()
      expect((await run('gen', '-q', '-e', 'cloud')).code).toBe(0)
      const old = (await run('get', 'db_password', '-e', 'cloud', '--reveal')).stdout
      const r = await run('rotate', 'db_password', '--allow-downtime', '-e', 'cloud')
      expect(r.code, r.stderr).toBe(0)
      expect(versions('db_password')).toBe(2)
      expect(versions('database_url')).toBe(2)
      expect(versions('session_key')).toBe(1)
      const now = (await run('get', 'db_password', '-e', 'cloud', '--reveal')).stdout
      expect(now).not.toBe(old)
      expect((await run('get', 'database_url', '-e', 'cloud', '--reveal')).stdout).toContain(
        encodeURIComponent(now),
      )
      expectClean(r, [old, now])
    })

    it('pull copies the environment into a files environment by fingerprint', async () => {
      const { dir, run, local } = setup()
      expect((await run('gen', '-q')).code).toBe(0)
      expect((await run('push', '--to', 'cloud')).code).toBe(0)
      const pulled = await run('pull', '-e', 'restore', '--from', 'cloud')
      expect(pulled.code, pulled.stderr).toBe(0)
      for (const entry of ['db_password', 'database_url', 'jwt_secret_primary'])
        expect(readFileSync(join(dir, 's', 'restore', entry), 'utf8'), entry).toBe(local(entry))
      expectClean(pulled, [local('db_password')])
      const again = await run('pull', '-e', 'restore', '--from', 'cloud', '--json')
      expect(JSON.parse(again.stdout).counts).toMatchObject({ created: 0, updated: 0, unchanged: 7 })
    })
  })
}

function expectClean(r: CliResult, values: readonly string[]) {
  for (const v of values) {
    expect(r.stdout).not.toContain(v)
    expect(r.stderr).not.toContain(v)
  }
}
