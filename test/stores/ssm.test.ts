import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SsmStore } from '../../src/stores/ssm.js'
import { type SsmFixture, startSsmFixture } from '../fixtures/aws-ssm-api.js'
import { storeContract } from './contract.js'

let ssm: SsmFixture
let n = 0
beforeAll(async () => {
  ssm = await startSsmFixture()
  process.env.AWS_ACCESS_KEY_ID = 'AKIDFIXTURE'
  process.env.AWS_SECRET_ACCESS_KEY = 'fixture-secret'
})
afterAll(() => ssm.close())

const store = (prefix: string) => new SsmStore({ prefix, region: 'eu-west-1', endpoint: ssm.endpoint })
const meta = (fingerprint: string, source: 'generated' | 'fixed' = 'generated') => ({
  fingerprint,
  source,
  at: '2026-01-01T00:00:00.000Z',
})

describe('ssm store against the Parameter Store API fixture (through the real SDK)', () => {
  storeContract('ssm (API fixture)', {
    async create() {
      return store(`app/env${n++}`)
    },
    async sidecarText() {
      return [...ssm.parameters.values()].map((p) => p.description ?? '').join('\n')
    },
  })

  it('secrets are SecureStrings, fixed config plain Strings; one version per value; metadata in the description', async () => {
    const s = store('devplatform/prod')
    await s.write('db_password', 'first-value-1', meta('f1'))
    await s.write('db_password', 'first-value-1', meta('f1')) // a resumed push: no second version
    await s.write('db_password', 'second-value-2', { ...meta('f2'), rotated: true })
    await s.write('db_user', 'app', meta('f3', 'fixed'))
    const password = ssm.parameters.get('/devplatform/prod/db_password')!
    expect(password).toMatchObject({ type: 'SecureString', version: 2, tier: 'Standard' })
    expect(JSON.parse(password.description!)).toMatchObject({ hush_fingerprint: 'f2', hush_version: '2' })
    expect(ssm.parameters.get('/devplatform/prod/db_user')).toMatchObject({ type: 'String', version: 1 })
    expect(await s.read('db_password')).toBe('second-value-2')
  })

  it('a value over 4 KB goes to the advanced tier', async () => {
    const s = store('big/prod')
    await s.write('rsa_key', 'k'.repeat(6000), meta('f1'))
    expect(ssm.parameters.get('/big/prod/rsa_key')!.tier).toBe('Advanced')
    expect(await s.read('rsa_key')).toHaveLength(6000)
  })

  it('lists more than one page', async () => {
    const s = store('paged/prod')
    await s.writeMany(
      Array.from({ length: 60 }, (_, i) => ({ name: `k${i}`, value: `v${i}`, meta: meta(`f${i}`) })),
    )
    expect((await s.list()).length).toBe(60)
  })
})
