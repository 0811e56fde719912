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

  it('a write cut between AddSecretVersion and UpdateSecret: list() vouches for nothing, the next write records the version', async () => {
    const s = store('cut/prod')
    const id = 'cut-prod-api-key'
    await s.write('api_key', 'first-value-1', meta('f1'))
    gcp.faults.arm(`PATCH /v1/projects/fixture-project/secrets/${id}`)
    await expect(s.write('api_key', 'second-value-2', meta('f2'))).rejects.toMatchObject({
      code: 'HUSH_E_GCP',
    })
    // latest holds the new value, the annotations still describe version 1: unknown, not f1
    expect(await s.read('api_key')).toBe('second-value-2')
    expect((await s.list()).find((m) => m.name === 'api_key')?.fingerprint).toBe('')
    await s.write('api_key', 'second-value-2', meta('f2'))
    expect(gcp.versionsOf(id)).toBe(2)
    expect(gcp.secrets.get(id)!.annotations).toMatchObject({
      hush_fingerprint: 'f2',
      hush_version: '2',
      hush_gcp_version: '2',
    })
    expect((await s.list()).find((m) => m.name === 'api_key')?.fingerprint).toBe('f2')
  })

  it('a version added, disabled or destroyed outside hush makes the fingerprint unknown; a write adds an enabled one', async () => {
    const s = store('outside/prod')
    const id = 'outside-prod-token'
    const fingerprintOf = async () => (await s.list()).find((m) => m.name === 'token')?.fingerprint
    await s.write('token', 'value-1', meta('f1'))
    expect(await fingerprintOf()).toBe('f1')
    // someone adds a version in the console: latest is no longer what the annotations describe
    gcp.secrets.get(id)!.versions.push({
      data: Buffer.from('console'),
      createTime: new Date().toISOString(),
      state: 'ENABLED',
      etag: '"x"',
    })
    expect(await fingerprintOf()).toBe('')
    await s.write('token', 'value-1', meta('f1')) // back to hush's value: a third version
    expect(gcp.versionsOf(id)).toBe(3)
    expect(await fingerprintOf()).toBe('f1')
    for (const state of ['DISABLED', 'DESTROYED'] as const) {
      gcp.setVersionState(id, gcp.versionsOf(id), state)
      // `latest` is the most recently created version, not the newest enabled one
      expect(await s.read('token')).toBeUndefined()
      expect(await fingerprintOf()).toBe('')
      await s.write('token', 'value-1', meta('f1'))
      expect(await s.read('token')).toBe('value-1')
      expect(await fingerprintOf()).toBe('f1')
    }
    expect(gcp.secrets.get(id)!.versions.map((v) => v.state)).toEqual([
      'ENABLED',
      'ENABLED',
      'DISABLED',
      'DESTROYED',
      'ENABLED',
    ])
  })

  it('a value over 64 KiB is refused by the service, and the error names no value', async () => {
    const big = `CANARY-${'x'.repeat(64 * 1024)}`
    const err = await store('big/prod')
      .write('blob', big, meta('f'))
      .catch((e: Error) => e)
    expect(err).toMatchObject({ code: 'HUSH_E_GCP', message: expect.stringMatching(/INVALID_ARGUMENT/) })
    expect(JSON.stringify(err)).not.toContain('CANARY')
  })

  it('the fixture: a stale etag fails FAILED_PRECONDITION (400), adding a version keeps the secret etag', async () => {
    const s = store('etag/prod')
    const id = 'etag-prod-key'
    await s.write('key', 'v1', meta('f1'))
    const before = gcp.secrets.get(id)!.etag
    await s.write('key', 'v2', meta('f2')) // AddSecretVersion, then UpdateSecret
    expect(gcp.secrets.get(id)!.etag).not.toBe(before)
    const url = `${gcp.endpoint}/v1/projects/fixture-project/secrets/${id}`
    const headers = { authorization: `Bearer ${gcp.token}`, 'content-type': 'application/json' }
    const etag = gcp.secrets.get(id)!.etag
    await fetch(`${url}:addVersion`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ payload: { data: Buffer.from('v3').toString('base64') } }),
    })
    expect(gcp.secrets.get(id)!.etag).toBe(etag)
    const stale = await fetch(`${url}?updateMask=annotations`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ annotations: {}, etag: before }),
    })
    expect(stale.status).toBe(400)
    expect(await stale.json()).toMatchObject({ error: { status: 'FAILED_PRECONDITION' } })
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
