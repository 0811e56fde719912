/**
 * `hush/core`: the API the CLI is built on, for scripts that drive hush
 * programmatically (it loads yaml and zod; applications import `hush`).
 *
 * @example
 * import { openProject, realWorld, gen, check } from 'hushkit/core'
 * const project = await openProject(realWorld(), 'development')
 * await project.locked(() => gen(project))
 * const { findings } = await check(project)
 */

export { ERROR_CODES, HushError, type HushErrorCode } from '../lib/errors.js'
export type { Store, StoredSecret } from '../stores/types.js'
export { type CheckResult, check } from './check/index.js'
export type { Finding, FindingCode } from './check/types.js'
export { type GenResult, gen } from './generate/gen.js'
export { setSecret } from './generate/set.js'
export { loadManifest, parseManifest } from './manifest/load.js'
export type { EnvironmentSpec, Manifest, SecretSpec } from './manifest/types.js'
export { openProject, type Project, realWorld, type World } from './project.js'
export { status } from './status/status.js'
