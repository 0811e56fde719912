/**
 * An AWS Secrets Manager environment, through the real SDK against the Secrets Manager API fixture
 * (no AWS runs here): a rotation stages the new value as AWSPENDING at DISTRIBUTED and moves
 * AWSCURRENT at PROMOTED. Push, outages, pull: test/cli/cloud-stores.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { versionIdOf } from '../../src/stores/aws.js'
import { type AwsFixture, startAwsFixture } from '../fixtures/aws-secretsmanager-api.js'
import { hush, tmpProject } from '../helpers/project.js'

let aws: AwsFixture
beforeAll(async () => {
  aws = await startAwsFixture()
})
afterAll(() => aws.close())

let n = 0
function setup() {
  const prefix = `devplatform/prod${n++}`
  const dir = tmpProject(`version: 1
project: awsy
environments:
  development: { path: s/dev }
  aws_prod: { store: aws, region: eu-west-1, endpoint: ${aws.endpoint}, prefix: ${prefix} }
secrets:
  session_key: { generate: base64:32 }
  # no database server runs here: rotating db_password needs --allow-downtime (its URL names a server)
  db_password: { generate: password:24, rotate: 30d }
  database_url: { derive: "postgres://app:{{db_password | url}}@db/app" }
`)
  const env = { AWS_ACCESS_KEY_ID: 'AKIDFIXTURE', AWS_SECRET_ACCESS_KEY: 'fixture-secret' }
  const run = (...args: string[]) => hush(args, { cwd: dir, env })
  return { dir, prefix, run }
}

describe('an aws environment (Secrets Manager API fixture, real SDK)', () => {
  it('rotation stages AWSPENDING at DISTRIBUTED and moves AWSCURRENT at PROMOTED (old → AWSPREVIOUS)', async () => {
    const { dir, prefix, run } = setup()
    expect((await run('gen', '-q', '-e', 'aws_prod')).code).toBe(0)
    const id = `${prefix}/db_password`
    const [first] = Object.keys(aws.stagesOf(id))
    const old = (await run('get', 'db_password', '-e', 'aws_prod', '--reveal')).stdout
    // stop right after DISTRIBUTED is journaled: the new value waits as AWSPENDING, the old one is current
    const cut = await hush(['rotate', 'db_password', '--allow-downtime', '-e', 'aws_prod'], {
      cwd: dir,
      env: {
        AWS_ACCESS_KEY_ID: 'AKIDFIXTURE',
        AWS_SECRET_ACCESS_KEY: 'fixture-secret',
        HUSH_FAILPOINT: 'DISTRIBUTED',
      },
    })
    expect(cut.code).not.toBe(0)
    const staged = aws.stagesOf(id)
    expect(staged[first!]).toEqual(['AWSCURRENT'])
    const pending = Object.keys(staged).find((v) => staged[v]!.includes('AWSPENDING'))
    expect(pending).toBeDefined()
    expect(
      Object.values(aws.stagesOf(`${prefix}/database_url`))
        .flat()
        .sort(),
    ).toEqual(['AWSCURRENT', 'AWSPENDING'])
    expect((await run('get', 'db_password', '-e', 'aws_prod', '--reveal')).stdout).toBe(old)
    const resumed = await run('rotate', 'db_password', '-e', 'aws_prod', '--resume')
    expect(resumed.code, resumed.stderr).toBe(0)
    // hush keeps Node 20 until 2027-02-01: the SDK's Node 22 notice is not printed on every command
    expect(resumed.stderr).not.toContain('NodeVersionSupportWarning')
    expect(resumed.stdout).toContain('promoted')
    expect(aws.stagesOf(id)).toEqual({ [first!]: ['AWSPREVIOUS'], [pending!]: ['AWSCURRENT'] })
    const now = (await run('get', 'db_password', '-e', 'aws_prod', '--reveal')).stdout
    expect(now).not.toBe(old)
    expect(pending).toBe(
      versionIdOf(
        'db_password',
        JSON.parse((await run('get', 'db_password', '-e', 'aws_prod', '--json')).stdout).fingerprint,
      ),
    )
    expect(aws.secrets.get(id)!.versions.size).toBe(2)
  })
})
