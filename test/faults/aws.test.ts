/**
 * The fault matrix (test/helpers/fault-matrix.ts) for an aws environment, through the real SDK against
 * the Secrets Manager API fixture (no AWS runs here).
 */
import { afterAll, beforeAll } from 'vitest'
import { type AwsFixture, startAwsFixture } from '../fixtures/aws-secretsmanager-api.js'
import { type FaultTarget, faultMatrix } from '../helpers/fault-matrix.js'

const PREFIX = 'faulty/cloud'
let aws: AwsFixture
beforeAll(async () => {
  aws = await startAwsFixture()
  // the SDK reads its credentials from the process environment
  process.env.AWS_ACCESS_KEY_ID = 'AKIDFIXTURE'
  process.env.AWS_SECRET_ACCESS_KEY = 'fixture-secret'
})
afterAll(() => aws.close())

faultMatrix(
  'aws (Secrets Manager API fixture, real SDK)',
  (): FaultTarget => ({
    faults: aws.faults,
    reset: () => aws.reset(),
    store: `{ store: aws, region: eu-west-1, endpoint: ${aws.endpoint}, prefix: ${PREFIX} }`,
    env: { AWS_ACCESS_KEY_ID: 'AKIDFIXTURE', AWS_SECRET_ACCESS_KEY: 'fixture-secret' },
    snapshot: () => aws.snapshot(PREFIX),
  }),
)
