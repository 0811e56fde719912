import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VaultStore } from '../../src/stores/vault.js'
import { startVaultFixture, type VaultFixture } from '../fixtures/vault-api.js'
import { storeContract } from './contract.js'

let vault: VaultFixture
let n = 0
beforeAll(async () => {
  vault = await startVaultFixture({ roleId: 'role-1', secretId: 'secret-1' })
})
afterAll(() => vault.close())

describe('vault store against the Vault KV v2 API fixture', () => {
  storeContract('vault (API fixture)', {
    async create() {
      return new VaultStore({
        address: vault.address,
        mount: 'secret',
        prefix: `p/env${n++}`,
        token: vault.token,
      })
    },
    async sidecarText() {
      return JSON.stringify([...vault.kv.entries()].map(([path, e]) => ({ path, meta: e.custom_metadata })))
    },
  })

  it('writes with check-and-set, creates no version for an unchanged value, and logs in with AppRole', async () => {
    const store = new VaultStore({
      address: vault.address,
      mount: 'secret',
      prefix: 'app/prod',
      approle: { roleId: 'role-1', secretId: 'secret-1' },
    })
    const meta = { fingerprint: 'f1', source: 'generated' as const, at: '2026-01-01T00:00:00.000Z' }
    await store.write('db_password', 'v1-value', meta)
    await store.write('db_password', 'v1-value', meta) // a resumed push: no second version
    await store.write('db_password', 'v2-value', { ...meta, fingerprint: 'f2' })
    expect(vault.kv.get('app/prod/db_password')!.versions.length).toBe(2)
    // the shape External Secrets reads with property: value
    expect(vault.kv.get('app/prod/db_password')!.versions[1]!.value).toEqual({ value: 'v2-value' })
    const writes = vault.requests.filter(
      (r) => r.method === 'POST' && r.path === '/v1/secret/data/app/prod/db_password',
    )
    expect(writes.map((w) => (w.body as { options: { cas: number } }).options.cas)).toEqual([0, 1])
    expect(vault.kv.get('app/prod/db_password')!.custom_metadata).toMatchObject({ hush_fingerprint: 'f2' })
    expect(vault.requests.some((r) => r.path === '/v1/auth/approle/login')).toBe(true)
  })

  it('a bad token is a clear error that names no value', async () => {
    const store = new VaultStore({ address: vault.address, mount: 'secret', prefix: 'x', token: 'nope' })
    await expect(
      store.write('a', 'CANARY-vault', { fingerprint: 'f', source: 'generated', at: '' }),
    ).rejects.toMatchObject({
      code: 'HUSH_E_VAULT',
      message: expect.not.stringContaining('CANARY'),
    })
  })
})
