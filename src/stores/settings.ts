/** An environment's store settings as hush.yaml gives them (openStore and the exports read them). */
import type { EnvironmentSpec } from '../core/manifest/types.js'
import { HushError } from '../lib/errors.js'

/** A text option of the environment in hush.yaml. */
export function option(env: EnvironmentSpec, key: string): string | undefined {
  const value = (env.options as Record<string, unknown>)[key]
  return typeof value === 'string' ? value : undefined
}

/** Where a remote store keeps the environment: `prefix:`, or `<project>/<env>` (seed 003's `devplatform/prod`). */
export function prefixOf(env: EnvironmentSpec, project: string | undefined): string {
  return option(env, 'prefix') ?? `${project ?? 'hush'}/${env.name}`
}

/** A setting hush.yaml or the process environment must give. */
export function required(
  env: EnvironmentSpec,
  value: string | undefined,
  what: string,
  hint: string,
): string {
  if (value) return value
  throw new HushError('HUSH_E_USAGE', `environment ${env.name} (store: ${env.store}) names no ${what}`, {
    hint,
  })
}
