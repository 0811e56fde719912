/**
 * The fault matrix (test/helpers/fault-matrix.ts) for an azure environment, through the real SDK
 * (`@azure/keyvault-secrets`) against the Key Vault API fixture (no Azure runs here: the fixture is
 * the only backend). Each case fails one call with 403 Forbidden, which the SDK does not retry.
 */
import { afterAll, beforeAll } from 'vitest'
import { type AzureFixture, startAzureFixture } from '../fixtures/azure-keyvault-api.js'
import { type FaultTarget, faultMatrix } from '../helpers/fault-matrix.js'

const PREFIX = 'faulty/cloud'
let azure: AzureFixture
beforeAll(async () => {
  azure = await startAzureFixture()
  // the store opened in-process (the labels check) reads its token from the process environment
  process.env.AZURE_ACCESS_TOKEN = azure.token
})
afterAll(() => azure.close())

faultMatrix(
  'azure (Key Vault API fixture, real SDK)',
  (): FaultTarget => ({
    faults: azure.faults,
    reset: () => azure.reset(),
    store: `{ store: azure, address: ${azure.address}, prefix: ${PREFIX} }`,
    env: { AZURE_ACCESS_TOKEN: azure.token },
    snapshot: () => azure.snapshot(PREFIX),
  }),
)
