/**
 * `hush run --from-files`: the container entrypoint shim — every `X_FILE`
 * pointing into the secrets directory (`$HUSH_SECRETS_DIR`, default
 * `/run/secrets`) becomes `X`, no manifest needed. Other `*_FILE` variables
 * (`SSL_CERT_FILE`, …) are left alone unless named with `--only`.
 */
import { readFileSync } from 'node:fs'
import { resolve, sep } from 'node:path'
import { type ErrorItem, HushError } from '../../lib/errors.js'
import { stripOneNewline } from '../../lib/newline.js'
import { presentValue } from '../../lib/present.js'

export interface FromFilesResult {
  readonly env: NodeJS.ProcessEnv
  /** the variables that were filled, for -q-able logging (names only) */
  readonly filled: string[]
}

export function envFromFiles(env: NodeJS.ProcessEnv, only?: readonly string[]): FromFilesResult {
  const out: NodeJS.ProcessEnv = { ...env }
  const filled: string[] = []
  const problems: ErrorItem[] = []
  const secretsDir = resolve(env.HUSH_SECRETS_DIR || '/run/secrets') + sep
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith('_FILE') || key === '_FILE' || !path) continue
    const name = key.slice(0, -'_FILE'.length)
    const named = only?.includes(name.toLowerCase()) || only?.includes(name)
    if (only ? !named : !resolve(path).startsWith(secretsDir)) continue
    let value: string
    try {
      value = stripOneNewline(readFileSync(path, 'utf8'))
    } catch (err) {
      problems.push({
        path: key,
        message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      })
      continue
    }
    if (presentValue(value) === undefined) {
      problems.push({ path: key, message: `${path} is empty, and an empty value is no value` })
      continue
    }
    if (env[name] !== undefined && env[name] !== value) {
      problems.push({ path: name, message: `${name} and ${key} are both set and differ; unset one of them` })
      continue
    }
    out[name] = value
    filled.push(name)
  }
  if (problems.length > 0)
    throw new HushError(
      'HUSH_E_SECRETS',
      `${problems.length} *_FILE variable(s) could not be turned into values`,
      {
        hint: 'check the secret mounts (docker service inspect / kubectl describe pod)',
        items: problems,
      },
    )
  return { env: out, filled }
}
