/** `loadSecrets` and `secret`: an application's secrets, resolved and checked once at start-up. */
import { type ErrorItem, HushError } from '../lib/errors.js'
import { placeholderReason } from '../lib/placeholder.js'
import { chainContext, DEFAULT_MAX_FILE_BYTES, type Env, type Resolution, resolveSecret } from './resolve.js'
import { Secret } from './secret.js'

export interface LoadOptions {
  /** names the application cannot run without */
  readonly required?: readonly string[]
  /** names it can run without */
  readonly optional?: readonly string[]
  /** conflicts between sources and placeholders are errors even outside production */
  readonly strict?: boolean
  /** defaults to process.env */
  readonly env?: Env
  /** where to look for hush.yaml outside production; defaults to process.cwd() */
  readonly cwd?: string
  /** receives warnings (names and sources only); defaults to process.emitWarning */
  readonly onWarning?: (message: string) => void
  /**
   * the largest file read, in bytes (`X_FILE`, `$HUSH_SECRETS_DIR/x`, the local store); a longer
   * one is an error. Defaults to 1 MiB.
   */
  readonly maxFileBytes?: number
}

/**
 * The loaded secrets. `get` returns a {@link Secret}, which never prints its value.
 *
 * @example
 * const s = await loadSecrets({ required: ['session_key'], optional: ['sentry_dsn'] })
 * app.use(session({ secret: s.get('session_key').reveal() }))
 * if (s.has('sentry_dsn')) Sentry.init({ dsn: s.get('sentry_dsn').reveal() })
 */
export class Secrets {
  readonly #byName: Map<string, Secret>

  constructor(secrets: Iterable<Secret>) {
    this.#byName = new Map([...secrets].map((s) => [s.name, s]))
  }

  /** The secret `name`; throws when it was not loaded or has no value. */
  get(name: string): Secret {
    const s = this.#byName.get(name)
    if (!s)
      throw new HushError('HUSH_E_UNKNOWN_SECRET', `secret ${name} was not loaded or has no value`, {
        hint: `list it in loadSecrets({ required: ['${name}'] }), or check has('${name}') for optional ones`,
      })
    return s
  }

  has(name: string): boolean {
    return this.#byName.has(name)
  }

  names(): string[] {
    return [...this.#byName.keys()]
  }

  /** Name → source, for a start-up log line (never values). */
  sources(): Record<string, string> {
    return Object.fromEntries([...this.#byName.values()].map((s) => [s.name, s.source]))
  }

  toJSON(): Record<string, string> {
    return Object.fromEntries(this.names().map((n) => [n, `[secret ${n}]`]))
  }
}

function problemsOf(
  r: Resolution,
  required: boolean,
  hard: boolean,
  strict: boolean,
): { errors: ErrorItem[]; warnings: string[] } {
  const errors: ErrorItem[] = []
  const warnings: string[] = []
  const report = (isError: boolean, message: string) => {
    if (isError) errors.push({ path: r.name, message })
    else warnings.push(`${r.name}: ${message}`)
  }
  for (const p of r.problems) report(hard, p)
  for (const p of r.refused) report(true, p)
  if (!r.found) {
    // an empty value is no value (lib/present.ts): a required secret that is only empty is missing;
    // a refused file already explains why there is no value
    const empty = r.empty.length > 0 ? `; empty in ${r.empty.join(', ')}` : ''
    if (required && r.refused.length === 0)
      report(
        true,
        `missing (looked in ${r.looked.join(', ')}${empty}); mount it at /run/secrets/${r.name}, set ${r.envName}_FILE, or run \`hush gen\` / \`hush set ${r.name}\``,
      )
    return { errors, warnings }
  }
  const { source, value } = r.found
  const placeholder = placeholderReason(value)
  if (placeholder) report(hard || strict, `${placeholder} (from ${source}); replace it with the real value`)
  if (r.conflicts.length > 0)
    report(
      strict,
      `${source} and ${r.conflicts.join(', ')} hold different values; ${source} wins (remove the stale one)`,
    )
  return { errors, warnings }
}

/**
 * Resolve and check the application's secrets once, at start-up. In
 * production (`HUSH_ENV` or `NODE_ENV` = `production` or `prod`, in any case;
 * see `isProduction`) a missing required secret (an empty value is missing) or a
 * placeholder throws ONE error listing every problem with its source and a fix,
 * so the app never starts half-configured. In every mode, a secret file that is
 * not a regular file (a FIFO, a device, a directory) or is over `maxFileBytes`
 * is such a problem too. Without `required`/`optional`, every secret of the
 * nearest hush.yaml is loaded.
 *
 * @example
 * import { loadSecrets } from 'hushkit'
 * const secrets = await loadSecrets({ required: ['session_key', 'database_url'] })
 * const db = new Pool({ connectionString: secrets.get('database_url').reveal() })
 */
export async function loadSecrets(options: LoadOptions = {}): Promise<Secrets> {
  return loadSecretsSync(options)
}

/**
 * The synchronous form of {@link loadSecrets}, for configuration modules that cannot await.
 *
 * @example
 * export const config = { db: loadSecretsSync({ required: ['database_url'] }).get('database_url') }
 */
export function loadSecretsSync(options: LoadOptions = {}): Secrets {
  const env = options.env ?? process.env
  const ctx = chainContext(env, options.cwd ?? process.cwd(), maxFileBytesOf(options))
  const strict = options.strict === true
  const required = new Set(options.required ?? [])
  const optional = new Set(options.optional ?? [])
  if (required.size === 0 && optional.size === 0 && ctx.project?.index)
    for (const [name, spec] of Object.entries(ctx.project.index.secrets)) {
      const needed = spec.required === 'all' || spec.required.includes(ctx.projectEnv)
      ;(needed ? required : optional).add(name)
    }
  const warn = options.onWarning ?? ((m: string) => process.emitWarning(m, 'HushWarning'))
  if (ctx.project?.stale && ctx.project.index)
    warn('hush.yaml changed since hush last ran here: run any hush command (e.g. `hush status`) to refresh')
  const errors: ErrorItem[] = []
  const loaded: Secret[] = []
  for (const name of new Set([...required, ...optional])) {
    const r = resolveSecret(ctx, name)
    const found = problemsOf(r, required.has(name), ctx.production, strict)
    errors.push(...found.errors)
    for (const w of found.warnings) warn(w)
    if (r.found) loaded.push(new Secret(name, r.found.value, r.found.source))
  }
  if (errors.length > 0)
    throw new HushError('HUSH_E_SECRETS', `${errors.length} problem(s) with the application's secrets`, {
      hint: ctx.production
        ? 'fix every item above before the service starts'
        : 'run `hush check` for details',
      items: errors,
    })
  return new Secrets(loaded)
}

function maxFileBytesOf(options: LoadOptions): number {
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
  if (!Number.isSafeInteger(max) || max < 1)
    throw new HushError('HUSH_E_USAGE', `maxFileBytes must be a positive whole number of bytes, not ${max}`, {
      hint: `leave it out for the default (${DEFAULT_MAX_FILE_BYTES}), or pass e.g. maxFileBytes: 4 * 1024 * 1024`,
    })
  return max
}

/**
 * One required secret.
 *
 * @example
 * const key = await secret('session_key')
 */
export async function secret(
  name: string,
  options: Omit<LoadOptions, 'required' | 'optional'> = {},
): Promise<Secret> {
  return loadSecretsSync({ ...options, required: [name] }).get(name)
}
