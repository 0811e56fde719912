/**
 * push / pull between a files environment and a Vault environment, against the Vault KV v2 API
 * fixture (no Vault server runs here): plan by fingerprint, idempotence, an outage in the middle
 * of a push resumed without duplicate versions, and no value in any output.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startVaultFixture, type VaultFixture } from '../fixtures/vault-api.js'
import { type CliResult, hush, tmpProject } from '../helpers/project.js'

let vault: VaultFixture
beforeAll(async () => {
  vault = await startVaultFixture()
})
afterAll(() => vault.close())

function setup() {
  const dir = tmpProject(`version: 1
project: vaulted
environments:
  development: { path: s/dev }
  restore: { path: s/restore }
  vault_prod: { store: vault, address: ${vault.address}, prefix: devplatform/prod }
secrets:
  session_key: { generate: base64:32 }
  db_password: { generate: password:24 }
  jwt_secret: { generate: base64:32, rotate: { strategy: keyring } }
`)
  const env = { VAULT_TOKEN: vault.token }
  const run = (...args: string[]) => hush(args, { cwd: dir, env })
  const local = (entry: string) => readFileSync(join(dir, 's', 'dev', entry), 'utf8')
  return { dir, run, local }
}

const versions = (path: string) => vault.kv.get(path)?.versions.length ?? 0

describe('push and pull with a Vault environment (Vault API fixture)', () => {
  it('plans by fingerprint, writes each value once, and a second push changes nothing', async () => {
    const { run, local } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    const dry = await run('push', '--to', 'vault_prod', '--dry-run', '--json')
    expect(dry.code, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout).counts).toMatchObject({ created: 5, updated: 0, unchanged: 0 })
    expect(versions('devplatform/prod/session_key')).toBe(0)
    const first = await run('push', '--to', 'vault_prod')
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('5 created, 0 updated, 0 unchanged')
    expect(vault.kv.get('devplatform/prod/session_key')!.versions[0]!.value).toEqual({
      value: local('session_key'),
    })
    expect(vault.kv.get('devplatform/prod/session_key')!.custom_metadata).toMatchObject({
      hush_fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/),
    })
    const again = await run('push', '--to', 'vault_prod')
    expect(again.stdout).toContain('0 created, 0 updated, 5 unchanged')
    expect(versions('devplatform/prod/session_key')).toBe(1)
    // a new value is a new Vault version; the reveal reads it back from Vault
    expect((await run('gen', 'session_key', '--force', '-q')).code).toBe(0)
    expect((await run('push', '--to', 'vault_prod')).stdout).toContain('0 created, 1 updated, 4 unchanged')
    expect(versions('devplatform/prod/session_key')).toBe(2)
    expect((await run('get', 'session_key', '-e', 'vault_prod', '--reveal')).stdout).toBe(
      local('session_key'),
    )
    for (const r of [dry, first, again]) expectClean(r, [local('session_key'), local('db_password')])
  })

  it('a push cut off by an outage resumes without duplicating versions', async () => {
    const { run } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    const before = new Map([...vault.kv.keys()].map((k) => [k, versions(k)]))
    vault.failWritesAfter = 2
    const broken = await run('push', '--to', 'vault_prod')
    vault.failWritesAfter = undefined
    expect(broken.code).toBe(1)
    expect(broken.stderr).toContain('HUSH_E_VAULT')
    const resumed = await run('push', '--to', 'vault_prod', '--json')
    expect(resumed.code, resumed.stderr).toBe(0)
    for (const entry of [
      'session_key',
      'db_password',
      'jwt_secret_primary',
      'jwt_secret_previous',
      'jwt_secret',
    ]) {
      const path = `devplatform/prod/${entry}`
      expect(versions(path) - (before.get(path) ?? 0), entry).toBeLessThanOrEqual(1)
    }
    expect(JSON.parse((await run('push', '--to', 'vault_prod', '--json')).stdout).counts.unchanged).toBe(5)
  })

  it('rotating a secret of a vault environment writes a new KV version', async () => {
    const { run } = setup()
    expect((await run('gen', '-q', '-e', 'vault_prod')).code).toBe(0)
    const before = versions('devplatform/prod/db_password')
    const r = await run('rotate', 'db_password', '-e', 'vault_prod')
    expect(r.code, r.stderr).toBe(0)
    expect(versions('devplatform/prod/db_password')).toBe(before + 1)
  })

  it('pull copies Vault into a files environment by fingerprint', async () => {
    const { dir, run, local } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    expect((await run('push', '--to', 'vault_prod')).code).toBe(0)
    const dry = await run('pull', '-e', 'restore', '--from', 'vault_prod', '--dry-run')
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain('(dry run: nothing written)')
    const pulled = await run('pull', '-e', 'restore', '--from', 'vault_prod')
    expect(pulled.code, pulled.stderr).toBe(0)
    expect(readFileSync(join(dir, 's', 'restore', 'db_password'), 'utf8')).toBe(local('db_password'))
    expectClean(pulled, [local('db_password')])
  })
})

function expectClean(r: CliResult, values: readonly string[]) {
  for (const v of values) {
    expect(r.stdout).not.toContain(v)
    expect(r.stderr).not.toContain(v)
  }
}
