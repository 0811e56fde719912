/** An environment's store settings as hush.yaml gives them: read helpers and the schemas of shared keys. */
import { z } from 'zod'
import { DURATION_PATTERN } from '../lib/duration.js'
import { HushError } from '../lib/errors.js'
import type { StoreSettings } from './types.js'

/** A text option of the environment in hush.yaml. */
export function option(env: StoreSettings, key: string): string | undefined {
  const value = (env.options as Record<string, unknown>)[key]
  return typeof value === 'string' ? value : undefined
}

/** Where a remote store keeps the environment: `prefix:`, or `<project>/<env>` (seed 003's `devplatform/prod`). */
export function prefixOf(env: StoreSettings, project: string | undefined): string {
  return option(env, 'prefix') ?? `${project ?? 'hush'}/${env.name}`
}

/** A setting hush.yaml or the process environment must give. */
export function required(env: StoreSettings, value: string | undefined, what: string, hint: string): string {
  if (value) return value
  throw new HushError('HUSH_E_USAGE', `environment ${env.name} (store: ${env.store}) names no ${what}`, {
    hint,
  })
}

/** Schemas of keys several stores read; each store describes what the key means to it. */
export const text = z.string()
export const prefix = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_./-]*$/, { error: 'expected letters, digits, ".", "_", "-" or "/"' })
export const duration = z.string().regex(DURATION_PATTERN, { error: 'expected a duration like 30d' })
