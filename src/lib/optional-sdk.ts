import { HushError } from './errors.js'

/**
 * Load a store's SDK on first use: the SDKs are optional peer dependencies of hushkit, not
 * installed by default (a default install stays small). `load` is the literal
 * `() => import('pkg')`, so the bundler keeps the package external; a missing package becomes
 * HUSH_E_STORE_UNSUPPORTED naming what to install. `user` names what needs it ("the aws store").
 */
export function loadSdk<T>(load: () => Promise<T>, pkg: string, user: string): Promise<T> {
  return load().catch(() => {
    throw new HushError('HUSH_E_STORE_UNSUPPORTED', `${user} needs ${pkg}`, {
      hint: `npm install ${pkg} beside hushkit (store SDKs are optional and not installed by default)`,
    })
  })
}
