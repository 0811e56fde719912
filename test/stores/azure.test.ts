import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AzureStore } from '../../src/stores/azure.js'
import { type AzureFixture, startAzureFixture } from '../fixtures/azure-keyvault-api.js'
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
})
