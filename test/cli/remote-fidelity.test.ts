/**
 * Issue 22's findings against an independent AWS emulator, each replayed against the Secrets Manager
 * and SSM API fixtures (no AWS runs here) through the real SDKs and the CLI: a push cut between the
 * value and its tags recovers, a secret scheduled for deletion is never reported created, abort ends
 * AWSPENDING, labels carry the entry's real source, and status / doctor report a refusing store
 * instead of aborting.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AwsFixture, startAwsFixture } from '../fixtures/aws-secretsmanager-api.js'
import { type SsmFixture, startSsmFixture } from '../fixtures/aws-ssm-api.js'
import { cli } from '../helpers/fault-matrix.js'
import { hush, tmpProject } from '../helpers/project.js'

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDFIXTURE', AWS_SECRET_ACCESS_KEY: 'fixture-secret' }
let aws: AwsFixture
let ssm: SsmFixture
beforeAll(async () => {
  aws = await startAwsFixture()
  ssm = await startSsmFixture()
  Object.assign(process.env, CREDENTIALS)
})
afterAll(async () => {
  await aws.close()
  await ssm.close()
})

let n = 0
function setup(store: 'aws' | 'ssm' = 'aws') {
  const prefix = `fidelity/env${n++}`
  const endpoint = store === 'aws' ? aws.endpoint : ssm.endpoint
  const dir = tmpProject(`version: 1
project: fidelity
environments:
  development: { path: s/dev }
  cloud: { store: ${store}, region: eu-west-1, endpoint: ${endpoint}, prefix: ${prefix} }
secrets:
  db_user: { value: app }
  # no database runs here: rotating db_password takes --allow-downtime (its URL names a server)
  db_password: { generate: password:24 }
  database_url: { derive: "postgres://{{db_user}}:{{db_password | url}}@db/app" }
`)
  const run = (...args: string[]) => cli(dir, args, CREDENTIALS)
  const local = (entry: string) => readFileSync(join(dir, 's', 'dev', entry), 'utf8')
  return { dir, prefix, run, local }
}

const json = <T>(r: { stdout: string }) => JSON.parse(r.stdout) as T
type Status = {
  rows: { secret: string; state: string; fingerprint?: string }[]
  storeError?: { code: string }
}

describe('remote stores that behave as the real services do', () => {
  it('a push cut between writing a value and tagging it is unverified in status and finished by the next push', async () => {
    const { prefix, run, local } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    expect((await run('push', '--to', 'cloud')).code).toBe(0)
    expect((await run('gen', 'db_password', '--force', '-q')).code).toBe(0)
    aws.faults.arm(`TagResource ${prefix}/db_password`)
    const cut = await run('push', '--to', 'cloud')
    expect(cut.code).toBe(1)
    expect(cut.stderr).toContain('TagResource')
    const between = json<Status>(await run('status', '-e', 'cloud', '--json'))
    expect(between.rows.find((r) => r.secret === 'db_password')?.state).toBe('unverified')
    const again = await run('push', '--to', 'cloud', '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(json<{ counts: Record<string, number> }>(again).counts).toMatchObject({ updated: 2 })
    const after = json<Status>(await run('status', '-e', 'cloud', '--json'))
    const local_ = json<{ fingerprint: string }>(await run('get', 'db_password', '--json'))
    expect(after.rows.find((r) => r.secret === 'db_password')).toMatchObject({
      state: 'ok',
      fingerprint: local_.fingerprint,
    })
    expect(
      json<{ counts: Record<string, number> }>(await run('push', '--to', 'cloud', '--json')).counts,
    ).toMatchObject({
      created: 0,
      updated: 0,
    })
    expect(aws.secrets.get(`${prefix}/db_password`)!.versions.size).toBe(2)
    for (const r of [cut, again]) expect(r.stdout + r.stderr).not.toContain(local('db_password'))
  })

  it('a secret scheduled for deletion is never reported created: push, get and doctor say how to restore it', async () => {
    const { prefix, run } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    expect((await run('push', '--to', 'cloud')).code).toBe(0)
    // someone deletes it in the console: a 30-day recovery window
    aws.secrets.get(`${prefix}/db_password`)!.deleted = Date.now() / 1000 + 30 * 86_400
    const push = await run('push', '--to', 'cloud')
    expect(push.code).toBe(1)
    expect(push.stdout).not.toMatch(/created/)
    expect(push.stderr).toContain('scheduled for deletion')
    expect(push.stderr).toContain(`aws secretsmanager restore-secret --secret-id ${prefix}/db_password`)
    const reveal = await run('get', 'db_password', '-e', 'cloud', '--reveal')
    expect(reveal.code).toBe(1)
    expect(reveal.stderr).toContain('scheduled for deletion')
    const doctor = await run('doctor', '-e', 'cloud', '--json')
    expect(doctor.code).toBe(1)
    expect(
      json<{ probes: { check: string; status: string; hint?: string }[] }>(doctor).probes,
    ).toContainEqual(
      expect.objectContaining({
        check: 'store readable',
        status: 'fail',
        hint: expect.stringContaining('restore-secret'),
      }),
    )
    expect(aws.secrets.get(`${prefix}/db_password`)!.deleted).toBeDefined()
  })

  it('abort removes the AWSPENDING label the rotation staged', async () => {
    const { dir, prefix, run } = setup()
    expect((await run('gen', '-q', '-e', 'cloud')).code).toBe(0)
    const cut = await hush(['rotate', 'db_password', '--allow-downtime', '-e', 'cloud'], {
      cwd: dir,
      env: { ...CREDENTIALS, HUSH_FAILPOINT: 'DISTRIBUTED' },
    })
    expect(cut.code).not.toBe(0)
    expect(Object.values(aws.stagesOf(`${prefix}/db_password`)).flat()).toContain('AWSPENDING')
    const abort = await run('rotate', 'db_password', '--abort', '-e', 'cloud')
    expect(abort.code, abort.stderr).toBe(0)
    for (const entry of ['db_password', 'database_url'])
      expect(Object.values(aws.stagesOf(`${prefix}/${entry}`)).flat(), entry).toEqual(['AWSCURRENT'])
  })

  it('push --to labels each entry with its real source (a fixed value is a plain String parameter in ssm)', async () => {
    const { prefix, run } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    expect((await run('push', '--to', 'cloud')).code).toBe(0)
    const source = (entry: string) => aws.secrets.get(`${prefix}/${entry}`)!.tags.get('hush:source')
    expect([source('db_user'), source('db_password'), source('database_url')]).toEqual([
      'fixed',
      'generated',
      'derived',
    ])
    const s = setup('ssm')
    expect((await s.run('gen', '-q')).code).toBe(0)
    expect((await s.run('push', '--to', 'cloud')).code).toBe(0)
    expect(ssm.parameters.get(`/${s.prefix}/db_user`)?.type).toBe('String')
    expect(ssm.parameters.get(`/${s.prefix}/db_password`)?.type).toBe('SecureString')
  })

  it('status and doctor report a store that refuses, with its hint, instead of aborting', async () => {
    const { prefix, run } = setup()
    expect((await run('gen', '-q', '-e', 'cloud')).code).toBe(0)
    aws.faults.arm('ListSecrets ')
    const status = await run('status', '-e', 'cloud', '--json')
    expect(status.code).toBe(1)
    const result = json<Status>(status)
    expect(result.storeError?.code).toBe('HUSH_E_AWS')
    expect(result.rows.every((r) => r.state === 'unknown')).toBe(true)
    aws.faults.arm(`GetSecretValue ${prefix}/db_user`)
    const doctor = await run('doctor', '-e', 'cloud')
    expect(doctor.code).toBe(1)
    expect(doctor.stdout).toMatch(/FAIL store readable: aws .*AccessDeniedException/)
    expect(doctor.stdout).toContain('fix: check the credentials')
  })
})
