import { SecretClient } from '@azure/keyvault-secrets'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AzureStore } from '../../src/stores/azure.js'
import { type AzureFixture, startAzureFixture } from '../fixtures/azure-keyvault-api.js'
import { cutPoints } from '../fixtures/faults.js'
import { storeContract } from './contract.js'

let azure: AzureFixture
let n = 0
beforeAll(async () => {
  azure = await startAzureFixture()
})
afterAll(() => azure.close())

const store = (prefix: string, accessToken = azure.token) =>
  new AzureStore({ address: azure.address, prefix, accessToken })
const meta = (fingerprint: string) => ({
  fingerprint,
  source: 'generated' as const,
  at: '2026-01-01T00:00:00.000Z',
})

describe('azure store against the Key Vault API fixture (through the real SDK)', () => {
  storeContract('azure (API fixture)', {
    async create() {
      return store(`app/env${n++}`)
    },
    async sidecarText() {
      return JSON.stringify(
        [...azure.secrets.entries()].map(([name, s]) => ({ name, tags: s.versions.map((v) => v.tags) })),
      )
    },
  })

  it('names secrets like export external-secrets, one version per value with its tags, and no version for a resumed write', async () => {
    const s = store('devplatform/prod')
    await s.write('db_password', 'first-value-1', meta('f1'))
    await s.write('db_password', 'first-value-1', meta('f1'))
    expect(azure.versionsOf('devplatform-prod-db-password')).toBe(1)
    await s.write('db_password', 'second-value-2', { ...meta('f2'), rotated: true })
    expect(azure.versionsOf('devplatform-prod-db-password')).toBe(2)
    const latest = azure.secrets.get('devplatform-prod-db-password')!.versions.at(-1)!
    expect(latest.tags).toMatchObject({ hush_name: 'db_password', hush_fingerprint: 'f2', hush_version: '2' })
    expect(JSON.stringify(latest.tags)).not.toContain('value')
  })

  it('removing soft-deletes; writing the name again recovers it and adds a version', async () => {
    const s = store('soft/prod')
    await s.write('api_key', 'one-value', meta('f1'))
    await s.remove('api_key')
    expect(azure.secrets.get('soft-prod-api-key')!.deleted).toBeDefined()
    expect(await s.read('api_key')).toBeUndefined()
    await s.write('api_key', 'two-value', meta('f2'))
    expect(await s.read('api_key')).toBe('two-value')
    expect(azure.versionsOf('soft-prod-api-key')).toBe(2)
    expect(azure.calls.some((c) => c.path === '/deletedsecrets/soft-prod-api-key/recover')).toBe(true)
  })

  it('refuses an entry whose Key Vault name another entry already holds', async () => {
    const s = store('clash/prod')
    await s.write('signing_key.pub', 'public-key', meta('f1'))
    await expect(s.write('signing_key_pub', 'other', meta('f2'))).rejects.toMatchObject({
      code: 'HUSH_E_UNSAFE_NAME',
    })
  })

  it('a bad token is a clear error that names no value', async () => {
    await expect(store('x/y', 'wrong').write('a', 'CANARY-azure', meta('f'))).rejects.toMatchObject({
      code: 'HUSH_E_AZURE',
      message: expect.stringMatching(/Unauthorized \(HTTP 401\)/),
    })
  })

  it('a write right after a remove waits for the delete to finish, recovers the name and adds no version for the same value', async () => {
    const s = store('again/prod')
    await s.write('api_key', 'same-value', meta('f1'))
    await s.remove('api_key')
    await s.write('api_key', 'same-value', meta('f1'))
    expect(await s.read('api_key')).toBe('same-value')
    expect(azure.versionsOf('again-prod-api-key')).toBe(1)
  })

  it('a write while someone else recovers the name waits for the recovery instead of failing', async () => {
    const s = store('racing/prod')
    await s.write('api_key', 'one-value', meta('f1'))
    await s.remove('api_key')
    await sdk().beginRecoverDeletedSecret('racing-prod-api-key') // not waited for: still recovering
    await s.write('api_key', 'two-value', meta('f2'))
    expect(await s.read('api_key')).toBe('two-value')
    expect(azure.versionsOf('racing-prod-api-key')).toBe(2)
  })

  it('recover-then-write converges at every cut: each call failed once, the next write finishes the job', async () => {
    const scenario = async (prefix: string, cut?: { op: string; nth: number }) => {
      const s = store(prefix)
      await s.write('api_key', 'one-value', meta('f1'))
      await s.remove('api_key')
      azure.faults.reset()
      if (cut) azure.faults.arm(cut.op.replace('clean-prod', prefix.replace('/', '-')), cut.nth)
      const first = await s.write('api_key', 'two-value', meta('f2')).then(
        () => undefined,
        (e: unknown) => e,
      )
      // how often the recovery is polled depends on timing: a later poll may not come in a cut run
      if (cut && !(cut.op.startsWith('GET') && cut.nth > 1))
        expect(azure.faults.pending, `${cut.op} #${cut.nth} was made`).toBe(false)
      azure.faults.disarm()
      if (first) expect(first).toMatchObject({ code: 'HUSH_E_AZURE' })
      await s.write('api_key', 'two-value', meta('f2'))
      return s
    }
    await scenario('clean/prod')
    const cuts = cutPoints(azure.faults.log)
    expect(cuts.map((c) => c.op)).toContain('POST /deletedsecrets/clean-prod-api-key/recover')
    let n = 0
    for (const cut of cuts) {
      const prefix = `cut${n++}/prod`
      const s = await scenario(prefix, cut)
      const id = `${prefix.replace('/', '-')}-api-key`
      expect(azure.versionsOf(id), `${cut.op} #${cut.nth}`).toBe(2)
      expect(await s.read('api_key')).toBe('two-value')
      expect((await s.list()).map((m) => m.fingerprint)).toEqual(['f2'])
    }
  })

  it('a disabled current version: list names no fingerprint, read says so, a write adds an enabled version', async () => {
    const s = store('off/prod')
    await s.write('api_key', 'one-value', meta('f1'))
    azure.setEnabled('off-prod-api-key', false)
    expect(await s.list()).toMatchObject([{ name: 'api_key', fingerprint: '' }])
    await expect(s.read('api_key')).rejects.toMatchObject({
      code: 'HUSH_E_AZURE',
      message: expect.stringMatching(/off-prod-api-key is disabled/),
      hint: expect.stringMatching(/--enabled true/),
    })
    // the same value too: the disabled version cannot be read, so it is not "already there"
    await s.write('api_key', 'one-value', meta('f1'))
    expect(azure.secrets.get('off-prod-api-key')!.versions.map((v) => v.enabled)).toEqual([false, true])
    expect(azure.secrets.get('off-prod-api-key')!.versions.at(-1)!.tags).toMatchObject({ hush_version: '2' })
    expect(await s.read('api_key')).toBe('one-value')
    expect(await s.list()).toMatchObject([{ name: 'api_key', fingerprint: 'f1', version: 2 }])
  })

  it('a version someone else wrote with copied tags is replaced, not taken for the value', async () => {
    const s = store('copied/prod')
    await s.write('api_key', 'one-value', meta('f1'))
    const tags = azure.secrets.get('copied-prod-api-key')!.versions[0]!.tags
    await sdk().setSecret('copied-prod-api-key', 'other-value', { tags })
    await s.write('api_key', 'one-value', meta('f1'))
    expect(await s.read('api_key')).toBe('one-value')
    expect(azure.versionsOf('copied-prod-api-key')).toBe(3)
  })

  it("the fixture keeps Key Vault's rules: names, value size, tags, content type, purge protection", async () => {
    const c = sdk()
    const refused = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: { statusCode?: number }) => e.statusCode,
      )
    expect(await refused(c.setSecret('bad_name', 'v'))).toBe(400)
    expect(await refused(c.setSecret('x'.repeat(128), 'v'))).toBe(400)
    expect(await refused(c.setSecret('big', 'v'.repeat(25 * 1024 + 1)))).toBe(400)
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, 'v']))
    expect(await refused(c.setSecret('tagged', 'v', { tags }))).toBe(400)
    expect(await refused(c.setSecret('typed', 'v', { contentType: 'x'.repeat(256) }))).toBe(400)
    await c.setSecret('kept', 'v')
    await (await c.beginDeleteSecret('kept', { intervalInMs: 50 })).pollUntilDone()
    expect(await refused(c.setSecret('kept', 'w'))).toBe(409)
    azure.purgeProtection = true
    try {
      expect(await refused(c.purgeDeletedSecret('kept'))).toBe(403)
    } finally {
      azure.purgeProtection = false
    }
    await c.purgeDeletedSecret('kept')
    await c.setSecret('kept', 'w')
  })
})

/** The SDK itself, for what someone else does to the vault. */
function sdk(): SecretClient {
  const token = azure.token
  return new SecretClient(
    azure.address,
    { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 60_000 }) },
    { disableChallengeResourceVerification: true, allowInsecureConnection: true },
  )
}
