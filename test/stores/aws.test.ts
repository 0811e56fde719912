import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AwsStore, versionIdOf } from '../../src/stores/aws.js'
import { type AwsFixture, startAwsFixture } from '../fixtures/aws-secretsmanager-api.js'
import { storeContract } from './contract.js'

let aws: AwsFixture
let n = 0
beforeAll(async () => {
  aws = await startAwsFixture()
  process.env.AWS_ACCESS_KEY_ID = 'AKIDFIXTURE'
  process.env.AWS_SECRET_ACCESS_KEY = 'fixture-secret'
})
afterAll(() => aws.close())

const store = (prefix: string) => new AwsStore({ prefix, region: 'eu-west-1', endpoint: aws.endpoint })

describe('aws store against the Secrets Manager API fixture (through the real SDK)', () => {
  storeContract('aws (API fixture)', {
    async create() {
      return store(`app/env${n++}`)
    },
    // names, tags and descriptions as the fixture keeps them (version values excluded)
    async sidecarText() {
      return JSON.stringify([...aws.secrets.values()].map((s) => ({ name: s.name, tags: [...s.tags] })))
    },
  })

  it('stages a value as AWSPENDING, then promotes it by moving AWSCURRENT (old → AWSPREVIOUS); retries add no version', async () => {
    const s = store('devplatform/prod')
    const meta = (fingerprint: string) => ({
      fingerprint,
      source: 'generated' as const,
      at: '2026-01-01T00:00:00.000Z',
    })
    await s.write('db', 'old-password-1', meta('f1'))
    await s.stage('db', 'new-password-2', meta('f2'))
    expect(aws.stagesOf('devplatform/prod/db')).toEqual({
      [versionIdOf('db', 'f1')]: ['AWSCURRENT'],
      [versionIdOf('db', 'f2')]: ['AWSPENDING'],
    })
    expect(await s.read('db')).toBe('old-password-1')
    await s.stage('db', 'new-password-2', meta('f2')) // a resumed job
    await s.write('db', 'new-password-2', meta('f2'))
    await s.write('db', 'new-password-2', meta('f2'))
    expect(aws.stagesOf('devplatform/prod/db')).toEqual({
      [versionIdOf('db', 'f1')]: ['AWSPREVIOUS'],
      [versionIdOf('db', 'f2')]: ['AWSCURRENT'],
    })
    expect(aws.secrets.get('devplatform/prod/db')!.versions.size).toBe(2)
    expect(await s.read('db')).toBe('new-password-2')
    expect(
      aws.calls.filter(
        (c) => c.op === 'UpdateSecretVersionStage' && c.input.SecretId === 'devplatform/prod/db',
      ).length,
    ).toBe(1)
  })
})
