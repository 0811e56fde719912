/**
 * The values `hush run` injects: every entry of an environment's local store,
 * read through the runtime index so that `run` parses no YAML on the hot path.
 * The CLI refreshes a stale or missing index before it gets here.
 */
import { join, resolve } from 'node:path'
import { HushError } from '../../lib/errors.js'
import { envNameOf } from '../../lib/names.js'
import { findRuntimeIndex, type RuntimeIndex } from '../../lib/runtime-index.js'
import { readLocalStore } from '../../runtime/resolve.js'

export interface RunValue {
  readonly secret: string
  readonly entry: string
  /** the environment variable it is injected as */
  readonly envName: string
  readonly value: string
}

function indexFor(cwd: string): { root: string; index: RuntimeIndex } {
  const found = findRuntimeIndex(cwd)
  if (!found)
    throw new HushError(
      'HUSH_E_MANIFEST_NOT_FOUND',
      `no hush.yaml in ${resolve(cwd)} or any parent directory`,
      {
        hint: 'run inside a hush project or pass -C DIR; in a container use `hush run --from-files -- CMD`',
      },
    )
  if (!found.index || found.stale)
    throw new HushError(
      'HUSH_E_MANIFEST_INVALID',
      `${join(found.root, '.hush', 'runtime.json')} is missing or older than hush.yaml`,
      {
        hint: 'run any hush command (hush status) to refresh it; the hush CLI does this by itself',
      },
    )
  return { root: found.root, index: found.index }
}

export async function runValues(
  cwd: string,
  envName: string,
  only: readonly string[] | undefined,
): Promise<RunValue[]> {
  const { root, index } = indexFor(cwd)
  const store = index.environments[envName]
  if (!store)
    throw new HushError(
      'HUSH_E_UNKNOWN_ENV',
      `environment "${envName}" is not declared in ${join(root, 'hush.yaml')}`,
      {
        hint: `use one of: ${Object.keys(index.environments).join(', ')}`,
      },
    )
  if (!store.path)
    throw new HushError(
      'HUSH_E_STORE_UNSUPPORTED',
      `hush run reads local stores; ${envName} uses ${store.store}`,
      {
        hint: 'run it where the secrets are mounted: hush run --from-files -- CMD',
      },
    )
  for (const name of only ?? [])
    if (!index.secrets[name])
      throw new HushError('HUSH_E_UNKNOWN_SECRET', `--only ${name}: not declared in hush.yaml`, {
        hint: 'see `hush status`',
      })
  const cache = new Map<string, Record<string, string>>()
  const values: RunValue[] = []
  const missing: string[] = []
  for (const [secret, spec] of Object.entries(index.secrets)) {
    if (only && !only.includes(secret)) continue
    for (const entry of spec.entries) {
      const name = entry === secret ? spec.env : envNameOf(entry)
      const found = readLocalStore(root, store, entry, name, cache)
      if (found) values.push({ secret, entry, envName: name, value: found.value })
      else if (entry === spec.entries[0] && (spec.required === 'all' || spec.required.includes(envName)))
        missing.push(secret)
    }
  }
  if (missing.length > 0)
    throw new HushError(
      'HUSH_E_SECRETS',
      `${missing.length} required secret(s) of ${envName} have no value: ${missing.join(', ')}`,
      {
        hint: `run \`hush gen${envName === 'development' ? '' : ` -e ${envName}`}\` and \`hush set\` for provided ones (\`hush check\` lists them)`,
      },
    )
  return values
}
