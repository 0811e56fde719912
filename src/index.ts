/**
 * The hush library. The runtime API (`loadSecrets`, `Secret`, `KeyRing`) arrives
 * with the runtime issue; this entry exports the error type and the core API
 * that the CLI is built on, for scripts that drive hush programmatically.
 *
 * @example
 * import { openProject, realWorld, gen, check } from 'hush'
 * const project = await openProject(realWorld(), 'development')
 * await project.locked(() => gen(project))
 * const { findings } = await check(project)
 */

export { type CheckResult, check } from './core/check/index.js'
export type { Finding, FindingCode } from './core/check/types.js'
export { type GenResult, gen } from './core/generate/gen.js'
export { setSecret } from './core/generate/set.js'
export { loadManifest, parseManifest } from './core/manifest/load.js'
export type { EnvironmentSpec, Manifest, SecretSpec } from './core/manifest/types.js'
export { openProject, type Project, realWorld, type World } from './core/project.js'
export { status } from './core/status/status.js'
export { ERROR_CODES, HushError, type HushErrorCode } from './lib/errors.js'
export type { Store, StoredSecret } from './stores/types.js'
