/**
 * The fault matrix (test/helpers/fault-matrix.ts) for the ssm store: every Parameter Store call of
 * push, rotate, abort and pull fails once, and the next run converges. No AWS runs here: the
 * backend is the Parameter Store API fixture (test/fixtures/aws-ssm-api.ts), reached through the
 * real SDK; its armed fault answers AccessDeniedException, which the SDK does not retry.
 */
import { afterAll, beforeAll } from 'vitest'
import { type SsmFixture, startSsmFixture } from '../fixtures/aws-ssm-api.js'
import { faultMatrix } from '../helpers/fault-matrix.js'

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDFIXTURE', AWS_SECRET_ACCESS_KEY: 'fixture-secret' }

let ssm: SsmFixture
beforeAll(async () => {
  ssm = await startSsmFixture()
  // in-process runs: the SDK reads its credential chain from this process's environment
  Object.assign(process.env, CREDENTIALS)
})
afterAll(() => ssm.close())

faultMatrix('ssm', () => ({
  faults: ssm.faults,
  reset: () => ssm.reset(),
  store: `{ store: ssm, region: eu-west-1, endpoint: ${ssm.endpoint} }`,
  env: CREDENTIALS,
  snapshot: () => ssm.snapshot('/faulty/cloud/'),
}))
