/**
 * hush for applications: secrets resolved from `X_FILE`, `/run/secrets/x`, `X`
 * or (outside production) the local store, and checked once at start-up.
 * This entry loads no yaml, zod or SDK.
 *
 * @example
 * import { loadSecrets } from 'hushkit'
 * const s = await loadSecrets({ required: ['session_key', 'database_url'] })
 * s.get('database_url').reveal()        // the string
 * `${s.get('database_url')}`            // "[secret database_url]"
 */
export { ERROR_CODES, HushError, type HushErrorCode } from '../lib/errors.js'
export { type LoadOptions, loadSecrets, loadSecretsSync, Secrets, secret } from './load.js'
export { isProduction } from './resolve.js'
export { Secret } from './secret.js'
