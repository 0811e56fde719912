/**
 * The fault matrix (test/helpers/fault-matrix.ts) for a gcp environment, through the real SDK
 * (`@google-cloud/secret-manager`, REST transport) against the Secret Manager API fixture: no Google
 * Cloud runs here, the fixture is the only backend.
 */
import { afterAll, beforeAll, vi } from 'vitest'
import { type GcpFixture, startGcpFixture } from '../fixtures/gcp-secretmanager-api.js'
import { type FaultTarget, faultMatrix } from '../helpers/fault-matrix.js'

// a key-ring rotation makes ~55 calls, each one a case of several in-process commands
vi.setConfig({ testTimeout: 600_000 })

let gcp: GcpFixture
beforeAll(async () => {
  gcp = await startGcpFixture('fixture-project')
})
afterAll(() => gcp.close())

faultMatrix(
  'gcp (Secret Manager API fixture, real SDK)',
  (): FaultTarget => ({
    faults: gcp.faults,
    reset: () => gcp.reset(),
    store: `{ store: gcp, gcp_project: fixture-project, endpoint: ${gcp.endpoint}, prefix: faulty/cloud }`,
    env: { GOOGLE_OAUTH_ACCESS_TOKEN: gcp.token },
    snapshot: () => gcp.snapshot('faulty-cloud'),
  }),
)
