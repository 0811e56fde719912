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

  describe('labels, version states and cut writes', () => {
    let k = 0
    const meta = (fingerprint: string) => ({
      fingerprint,
      source: 'generated' as const,
      at: '2026-01-01T00:00:00.000Z',
    })
    const open = () => {
      const prefix = `cuts/env${k++}`
      const store = new VaultStore({ address: vault.address, mount: 'secret', prefix, token: vault.token })
      return { store, prefix, entry: (name: string) => vault.kv.get(`${prefix}/${name}`)! }
    }
    /** a request as another client would send it */
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${vault.address}/v1/secret/${path}`, {
        method,
        headers: { 'x-vault-token': vault.token },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })

    it('labels naming another version are not trusted, and the next write relabels without a version', async () => {
      const { store, prefix, entry } = open()
      await store.write('a', 'one', meta('f1'))
      // someone else writes a version: the labels still describe version 1
      expect((await call('POST', `data/${prefix}/a`, { data: { value: 'two' } })).status).toBe(200)
      expect((await store.list()).find((s) => s.name === 'a')).toMatchObject({ version: 2, fingerprint: '' })
      await store.write('a', 'two', meta('f2'))
      expect(entry('a').versions).toHaveLength(2)
      expect(entry('a').custom_metadata).toMatchObject({ hush_fingerprint: 'f2', hush_version: '2' })
      expect((await store.list()).find((s) => s.name === 'a')?.fingerprint).toBe('f2')
    })

    it('a write cut after its labels leaves nothing that lies, and the next one writes the value once', async () => {
      const { store, prefix, entry } = open()
      await store.write('a', 'one', meta('f1'))
      vault.faults.arm(`POST /v1/secret/data/${prefix}/a`)
      await expect(store.write('a', 'two', meta('f2'))).rejects.toMatchObject({ code: 'HUSH_E_VAULT' })
      // the value was refused: the labels it had written are put back
      expect(await store.read('a')).toBe('one')
      expect((await store.list())[0]).toMatchObject({ version: 1, fingerprint: 'f1' })
      // labels that could not be put back name version 2, which does not exist yet: not trusted
      await call('POST', `metadata/${prefix}/a`, {
        custom_metadata: { ...entry('a').custom_metadata, hush_fingerprint: 'f2', hush_version: '2' },
      })
      expect((await store.list())[0]).toMatchObject({ version: 1, fingerprint: '' })
      await store.write('a', 'two', meta('f2'))
      expect(entry('a').versions).toHaveLength(2)
      expect(await store.read('a')).toBe('two')
      expect((await store.list())[0]).toMatchObject({ version: 2, fingerprint: 'f2' })
    })

    it('a check-and-set conflict is a clear error and puts the previous labels back', async () => {
      const { store, prefix, entry } = open()
      await store.write('a', 'one', meta('f1'))
      // another client writes between hush's read and its write
      vault.beforeServe = (op) => {
        if (op !== `POST /v1/secret/data/${prefix}/a`) return
        vault.beforeServe = undefined
        vault.put(`${prefix}/a`, { value: 'theirs' })
      }
      await expect(store.write('a', 'two', meta('f2'))).rejects.toMatchObject({
        code: 'HUSH_E_VAULT',
        message: expect.stringContaining('check-and-set parameter did not match the current version'),
        hint: expect.stringContaining('run the command again'),
      })
      expect(entry('a').custom_metadata).toMatchObject({ hush_fingerprint: 'f1', hush_version: '1' })
      expect((await store.list())[0]).toMatchObject({ version: 2, fingerprint: '' })
      await store.write('a', 'two', meta('f2'))
      expect((await store.list())[0]).toMatchObject({ version: 3, fingerprint: 'f2' })
    })

    it('a current version that is soft-deleted or destroyed is missing, and a write puts the value back', async () => {
      for (const how of ['delete', 'destroy'] as const) {
        const { store, prefix, entry } = open()
        await store.write('a', 'one', meta('f1'))
        if (how === 'delete') expect((await call('DELETE', `data/${prefix}/a`)).status).toBe(204)
        else vault.destroy(`${prefix}/a`)
        expect(await store.read('a'), how).toBeUndefined()
        expect(await store.list(), how).toEqual([])
        await store.write('a', 'one', meta('f1'))
        expect(await store.read('a'), how).toBe('one')
        expect(entry('a').versions.map((v) => v.version)).toEqual([1, 2])
        expect((await store.list())[0], how).toMatchObject({ name: 'a', version: 2, fingerprint: 'f1' })
      }
    })

    it('an undeleted version is current again; custom_metadata keys of others are kept', async () => {
      const { store, prefix, entry } = open()
      await store.write('a', 'one', meta('f1'))
      await call('POST', `metadata/${prefix}/a`, {
        custom_metadata: { ...entry('a').custom_metadata, owner: 'team-a' },
      })
      await call('DELETE', `data/${prefix}/a`)
      expect(await store.list()).toEqual([])
      await call('POST', `undelete/${prefix}/a`, { versions: [1] })
      expect((await store.list())[0]).toMatchObject({ name: 'a', fingerprint: 'f1' })
      await store.write('a', 'two', meta('f2'))
      expect(entry('a').custom_metadata).toMatchObject({ owner: 'team-a', hush_fingerprint: 'f2' })
    })
  })

  describe("the fixture keeps Vault's rules", () => {
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${vault.address}/v1/secret/${path}`, {
        method,
        headers: { 'x-vault-token': vault.token },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then(async (r) => ({ status: r.status, body: (await r.text()) || undefined }))

    it('check-and-set, cas_required and max_versions', async () => {
      expect((await call('POST', 'data/rules/a', { options: { cas: 1 }, data: { v: 1 } })).body).toContain(
        'check-and-set parameter did not match the current version',
      )
      expect((await call('POST', 'metadata/rules/a', { cas_required: true, max_versions: 2 })).status).toBe(
        204,
      )
      expect((await call('POST', 'data/rules/a', { data: { v: 1 } })).body).toContain(
        'check-and-set parameter required for this call',
      )
      for (let cas = 0; cas < 3; cas++)
        expect((await call('POST', 'data/rules/a', { options: { cas }, data: { v: cas } })).status).toBe(200)
      const m = JSON.parse((await call('GET', 'metadata/rules/a')).body!).data
      expect(m).toMatchObject({ current_version: 3, oldest_version: 2 })
      expect(Object.keys(m.versions)).toEqual(['2', '3'])
      expect((await call('GET', 'data/rules/a?version=1')).status).toBe(404)
    })

    it('a deleted version answers 404 with its metadata; custom_metadata is limited', async () => {
      await call('POST', 'data/rules/b', { data: { v: 1 } })
      await call('DELETE', 'data/rules/b')
      const gone = await call('GET', 'data/rules/b')
      expect(gone.status).toBe(404)
      expect(JSON.parse(gone.body!).data).toMatchObject({
        data: null,
        metadata: { version: 1, destroyed: false },
      })
      const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))
      expect((await call('POST', 'metadata/rules/b', { custom_metadata: many })).status).toBe(400)
      expect(
        (await call('POST', 'metadata/rules/b', { custom_metadata: { k: 'x'.repeat(513) } })).status,
      ).toBe(400)
      expect((await call('POST', 'metadata/rules/b', { custom_metadata: { k: '' } })).status).toBe(400)
    })
  })
})
