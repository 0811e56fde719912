/** Turning file names, YAML keys and env var names into safe hush names. */
import { basename } from 'node:path'
import { NAME_PATTERN } from '../../lib/names.js'

const PROJECT_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/
const ENV_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * `Db-Password` → `db_password`; undefined when the result is still not
 * `[a-z0-9_]+` (e.g. `../etc/passwd`), or is `__proto__`, which the schema's
 * records drop without a word.
 */
export function secretNameOf(raw: string): string | undefined {
  const name = raw.toLowerCase().replaceAll('-', '_')
  return NAME_PATTERN.test(name) && name !== '__proto__' ? name : undefined
}

/** The project name: the root directory's basename, lower-cased, reduced to `[a-z0-9][a-z0-9_.-]*`. */
export function projectNameOf(root: string): string {
  const name = basename(root)
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
  return PROJECT_PATTERN.test(name) ? name : 'project'
}

/** Whether `name` can be a manifest `env:` value. */
export function isEnvName(name: string): boolean {
  return ENV_PATTERN.test(name)
}

/** A name shown in a message: plain when safe, else JSON-quoted so control characters stay visible. */
export function shown(raw: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(raw) ? raw : JSON.stringify(raw)
}
