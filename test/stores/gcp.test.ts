import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crc32c, GcpStore } from '../../src/stores/gcp.js'
import { type GcpFixture, startGcpFixture } from '../fixtures/gcp-secretmanager-api.js'
import { storeContract } from './contract.js'

let gcp: GcpFixture
let n = 0
beforeAll(async () => {
  gcp = await startGcpFixture('fixture-project')
})
afterAll(() => gcp.close())

const store = (prefix: string, accessToken = gcp.token) =>
  new GcpStore({ project: 'fixture-project', prefix, endpoint: gcp.endpoint, accessToken })
const meta = (fingerprint: string) => ({
  fingerprint,
  source: 'generated' as const,
  at: '2026-01-01T00:00:00.000Z',
})

describe('gcp store against the Secret Manager API fixture (through the real SDK, REST transport)', () => {
  storeContract('gcp (API fixture)', {
    async create() {
      return store(`app/env${n++}`)
    },
    async sidecarText() {
      return JSON.stringify(
        [...gcp.secrets.values()].map((s) => ({
          name: s.name,
          labels: s.labels,
          annotations: s.annotations,
        })),
      )
    },
  })

  it('CRC32C is the Castagnoli checksum (RFC 3720 test vector)', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
  })

  it('names secrets like export external-secrets, adds a version only for a new value, and keeps metadata in annotations', async () => {
    const s = store('devplatform/prod')
    await s.write('db_password', 'first-value-1', meta('f1'))
    await s.write('db_password', 'first-value-1', meta('f1')) // a resumed push: no second version
    expect(gcp.versionsOf('devplatform-prod-db-password')).toBe(1)
    // a push that added the version but died before recording its annotations adds no second one
    gcp.secrets.get('devplatform-prod-db-password')!.annotations.hush_fingerprint = 'stale'
    await s.write('db_password', 'first-value-1', meta('f1'))
    expect(gcp.versionsOf('devplatform-prod-db-password')).toBe(1)
    await s.write('db_password', 'second-value-2', { ...meta('f2'), rotated: true })
    expect(gcp.versionsOf('devplatform-prod-db-password')).toBe(2)
    const secret = gcp.secrets.get('devplatform-prod-db-password')!
    expect(secret.labels).toEqual({ 'managed-by': 'hush' })
    expect(secret.annotations).toMatchObject({
      hush_name: 'db_password',
      hush_fingerprint: 'f2',
      hush_version: '2',
    })
    expect(JSON.stringify(secret.annotations)).not.toContain('value')
  })

  it('refuses an entry whose GCP name another entry already holds', async () => {
    const s = store('clash/prod')
    await s.write('signing_key.pub', 'public-key', meta('f1'))
    await expect(s.write('signing_key_pub', 'other', meta('f2'))).rejects.toMatchObject({
      code: 'HUSH_E_UNSAFE_NAME',
    })
  })

  it('a bad token is a clear error that names no value', async () => {
    await expect(store('x/y', 'ya29.wrong').write('a', 'CANARY-gcp', meta('f'))).rejects.toMatchObject({
      code: 'HUSH_E_GCP',
      message: expect.stringMatching(/UNAUTHENTICATED/),
    })
  })
})
