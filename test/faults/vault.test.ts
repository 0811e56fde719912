/**
 * The fault matrix (test/helpers/fault-matrix.ts) for a vault environment against the Vault KV v2 API
 * fixture. No real Vault runs here (it is neither in Debian nor on npm), so the fixture is the only
 * backend: what it models, and the Vault documentation each rule comes from, is in its header
 * (test/fixtures/vault-api.ts).
 */
import { afterAll, beforeAll } from 'vitest'
import { startVaultFixture, type VaultFixture } from '../fixtures/vault-api.js'
import { type FaultTarget, faultMatrix } from '../helpers/fault-matrix.js'

const PREFIX = 'faulty/cloud'
let vault: VaultFixture
beforeAll(async () => {
  vault = await startVaultFixture()
  // the harness opens the store itself to compare labels with values: it reads the process environment
  process.env.VAULT_TOKEN = vault.token
})
afterAll(() => vault.close())

faultMatrix(
  'vault (KV v2 API fixture)',
  (): FaultTarget => ({
    faults: vault.faults,
    reset: () => vault.reset(),
    store: `{ store: vault, address: ${vault.address}, prefix: ${PREFIX} }`,
    env: { VAULT_TOKEN: vault.token },
    snapshot: () => vault.snapshot(PREFIX),
  }),
)
