import {
  GetParameterCommand,
  LabelParameterVersionCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseManifest } from '../../src/core/manifest/load.js'
import type { HushError } from '../../src/lib/errors.js'
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

describe('labels another writer came after (an overwrite in the console keeps the description)', () => {
  it('list reports no fingerprint, and the next write puts the value back with labels that hold', async () => {
    const s = store('outside/prod')
    await s.write('api_key', 'hush-value-1', meta('f1'))
    expect((await s.list())[0]).toMatchObject({ name: 'api_key', fingerprint: 'f1' })
    ssm.overwrite('/outside/prod/api_key', 'typed-in-the-console')
    expect((await s.list())[0]).toMatchObject({ name: 'api_key', fingerprint: '' })
    await s.write('api_key', 'hush-value-1', meta('f1')) // the same fingerprint: not skipped any more
    expect(await s.read('api_key')).toBe('hush-value-1')
    expect(ssm.parameters.get('/outside/prod/api_key')!.version).toBe(3)
    expect((await s.list())[0]).toMatchObject({ name: 'api_key', fingerprint: 'f1' })
  })
})

const client = () =>
  new SSMClient({
    region: 'eu-west-1',
    endpoint: ssm.endpoint,
    credentials: { accessKeyId: 'AKIDFIXTURE', secretAccessKey: 'fixture-secret' },
  })
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: Error) => e.name,
  )

describe('the Parameter Store fixture keeps the service rules hush depends on', () => {
  it('refuses names whose first segment begins with aws (AccessDenied) or ssm (Validation), in any case', async () => {
    const c = client()
    const put = (Name: string) =>
      errorOf(c.send(new PutParameterCommand({ Name, Value: 'v', Type: 'String' })))
    expect(await put('/aws/x')).toBe('AccessDeniedException')
    expect(await put('/AWSome/x')).toBe('AccessDeniedException')
    expect(await put('/Ssm-tools/x')).toBe('ValidationException')
    expect(await put('/app/aws/x')).toBe('ok') // only the first segment
    expect(await put(`/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`)).toBe(
      'HierarchyLevelLimitExceededException',
    )
  })

  it('keeps 100 versions, dropping the oldest unless it has a label', async () => {
    const c = client()
    const Name = '/versions/limit'
    for (let i = 0; i < 100; i++)
      await c.send(new PutParameterCommand({ Name, Value: `v${i}`, Type: 'String', Overwrite: true }))
    await c.send(new LabelParameterVersionCommand({ Name, ParameterVersion: 1, Labels: ['golden'] }))
    expect(
      await errorOf(
        c.send(new PutParameterCommand({ Name, Value: 'v100', Type: 'String', Overwrite: true })),
      ),
    ).toBe('ParameterMaxVersionLimitExceeded')
    await c.send(new LabelParameterVersionCommand({ Name, ParameterVersion: 2, Labels: ['golden'] })) // moves it
    await c.send(new PutParameterCommand({ Name, Value: 'v100', Type: 'String', Overwrite: true }))
    const p = ssm.parameters.get(Name)!
    expect([p.version, p.history.length, p.history[0]!.version]).toEqual([101, 100, 2])
    expect((await c.send(new GetParameterCommand({ Name: `${Name}:golden` }))).Parameter?.Value).toBe('v1')
  })

  it('needs Overwrite to replace; an advanced parameter stays advanced under Intelligent-Tiering', async () => {
    const c = client()
    const Name = '/tiers/big'
    const put = (Value: string, extra: Record<string, unknown> = {}) =>
      errorOf(c.send(new PutParameterCommand({ Name, Value, Type: 'SecureString', ...extra })))
    expect(await put('k'.repeat(5000), { Tier: 'Standard' })).toBe('ValidationException')
    expect(await put('k'.repeat(5000), { Tier: 'Intelligent-Tiering' })).toBe('ok')
    expect(await put('small')).toBe('ParameterAlreadyExists')
    expect(await put('small', { Overwrite: true, Tier: 'Intelligent-Tiering' })).toBe('ok')
    expect(ssm.parameters.get(Name)!.tier).toBe('Advanced')
    expect(await put('small', { Overwrite: true, Tier: 'Standard' })).toBe('ValidationException')
  })
})

describe('an ssm environment whose prefix Parameter Store refuses is refused when hush.yaml loads', () => {
  const problemsOf = (project: string, cloud: string): string[] => {
    try {
      parseManifest(
        `version: 1\nproject: ${project}\nenvironments:\n  cloud: ${cloud}\nsecrets:\n  a: { value: x }\n`,
        '/p/hush.yaml',
      )
      return []
    } catch (err) {
      return (err as HushError).items.map((i) => `${i.path}: ${i.message}`)
    }
  }

  it('names the rule for a first segment beginning with aws or ssm, given or by default', () => {
    expect(problemsOf('app', '{ store: ssm, prefix: AWS-team/prod }')).toEqual([
      'environments.cloud.prefix: AWS-team/prod: Parameter Store refuses parameter names whose first segment begins with "aws" or "ssm" (any case), and "AWS-team" does',
    ])
    expect(problemsOf('ssmtools', '{ store: ssm }')[0]).toMatch(
      /^environments\.cloud\.prefix: ssmtools\/cloud \(the default <project>\/<env>: set prefix\): .*"aws" or "ssm"/,
    )
    expect(problemsOf('app', '{ store: ssm, prefix: awesome/prod }')).toEqual([]) // "awe", not "aws"
    expect(problemsOf('app', '{ store: ssm, prefix: team/aws }')).toEqual([])
    expect(problemsOf('ssmtools', '{ store: aws }')).toEqual([]) // a Secrets Manager rule it is not
  })

  it('refuses more than 15 levels and empty ones', () => {
    const deep = Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')
    expect(problemsOf('app', `{ store: ssm, prefix: ${deep} }`)[0]).toMatch(/15 levels.*has 16/)
    expect(problemsOf('app', '{ store: ssm, prefix: a//b }')[0]).toMatch(/empty level/)
  })
})
