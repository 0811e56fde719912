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

  it('stages a value as AWSPENDING, then promotes it by moving AWSCURRENT (old → AWSPREVIOUS) and ends AWSPENDING; retries add no version', async () => {
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
    // one move of AWSCURRENT, one removal of AWSPENDING (AWS keeps it otherwise); the retry moves nothing
    expect(
      aws.calls.filter(
        (c) => c.op === 'UpdateSecretVersionStage' && c.input.SecretId === 'devplatform/prod/db',
      ).length,
    ).toBe(2)
  })
})

describe('aws store: AWS rules the fixture models', () => {
  const meta = (fingerprint: string) => ({
    fingerprint,
    source: 'generated' as const,
    at: '2026-01-01T00:00:00.000Z',
  })

  it('a value that returns after two others (A → B → C → A) becomes AWSCURRENT again', async () => {
    const s = store(`returns/env${n++}`)
    for (const [value, fp] of [
      ['value-a', 'fa'],
      ['value-b', 'fb'],
      ['value-c', 'fc'],
      ['value-a', 'fa'],
    ] as const)
      await s.write('k', value, meta(fp))
    // A's version lost its labels at C; PutSecretValue with its token did nothing, so AWSCURRENT moved to it
    expect(await s.read('k')).toBe('value-a')
    expect((await s.list())[0]).toMatchObject({ fingerprint: 'fa', version: 4 })
  })

  it('tags written after the value are trusted only while they name AWSCURRENT', async () => {
    const s = store(`tags/env${n++}`)
    await s.write('k', 'one', meta('f1'))
    aws.faults.arm(`TagResource ${s.location.split(' ').at(-1)}k`)
    await expect(s.write('k', 'two', meta('f2'))).rejects.toThrow(/TagResource/)
    // the value is current, the tags still say f1: list says it does not know
    expect(await s.read('k')).toBe('two')
    expect((await s.list())[0]!.fingerprint).toBe('')
    // the same write again finishes the tags without a new version
    await s.write('k', 'two', meta('f2'))
    expect((await s.list())[0]).toMatchObject({ fingerprint: 'f2', version: 2 })
    expect(aws.secrets.get(`${s.location.split(' ').at(-1)}k`)!.versions.size).toBe(2)
  })
})
