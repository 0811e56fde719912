/**
 * The resolution chain for one secret `x` (env name `X`):
 * `X_FILE` → `$HUSH_SECRETS_DIR/x` (default `/run/secrets`) → `X` → outside
 * production, the local store of the nearest hush.yaml. Every source is read,
 * so that two sources holding different values can be reported.
 */
import { isAbsolute, join, resolve as resolvePath } from 'node:path'
import { displayPath } from '../lib/display.js'
import { parseDotenv, toRecord } from '../lib/dotenv-format.js'
import { defaultEnvironment } from '../lib/environment.js'
import { MAX_VALUE_BYTES, readValueFile } from '../lib/fs-safe.js'
import { envNameOf } from '../lib/names.js'
import { stripOneNewline } from '../lib/newline.js'
import { presentValue } from '../lib/present.js'
import { readRegularFile } from '../lib/regular-file.js'
import { type FoundIndex, findRuntimeIndex } from '../lib/runtime-index.js'

export type Env = Readonly<Record<string, string | undefined>>

/** The largest secret file the runtime reads unless told otherwise (`maxFileBytes`). */
export const DEFAULT_MAX_FILE_BYTES = MAX_VALUE_BYTES // one bound for a value, in a store or a mount

export interface Found {
  readonly source: string
  readonly value: string
}

export interface Resolution {
  readonly name: string
  readonly envName: string
  /** the winning source, first in chain order */
  readonly found?: Found
  /** later sources holding a different value */
  readonly conflicts: readonly string[]
  /** misconfigurations met on the way (an X_FILE pointing nowhere) */
  readonly problems: readonly string[]
  /** sources that hold an empty value: not a value (lib/present.ts), named in the "missing" message */
  readonly empty: readonly string[]
  /** files refused in any mode: not a regular file (a FIFO, a device, a directory) or over the size cap */
  readonly refused: readonly string[]
  /** where it looked, for the "missing" message */
  readonly looked: readonly string[]
}

export interface ChainContext {
  readonly env: Env
  readonly production: boolean
  readonly secretsDir: string
  /** the largest file read (bytes) */
  readonly maxFileBytes: number
  readonly project?: FoundIndex
  /** which environment of the project's local store to read (HUSH_ENV or development) */
  readonly projectEnv: string
  /** .env files already parsed, by path */
  readonly dotenvCache: Map<string, Record<string, string>>
}

const PRODUCTION_NAMES: ReadonlySet<string> = new Set(['production', 'prod'])

/**
 * Whether hush treats this process as production: `HUSH_ENV` or `NODE_ENV` is `production` or
 * `prod`, in any case and with surrounding spaces ignored (`Production`, `PROD `). Any other value,
 * or none, is not production.
 *
 * @example
 * if (!isProduction(process.env)) console.log(secrets.sources())
 */
export function isProduction(env: Env): boolean {
  return [env.HUSH_ENV, env.NODE_ENV].some(
    (v) => v !== undefined && PRODUCTION_NAMES.has(v.trim().toLowerCase()),
  )
}

export function chainContext(env: Env, cwd: string, maxFileBytes = DEFAULT_MAX_FILE_BYTES): ChainContext {
  const production = isProduction(env)
  return {
    env,
    production,
    secretsDir: env.HUSH_SECRETS_DIR || '/run/secrets',
    maxFileBytes,
    ...(production ? {} : { project: findRuntimeIndex(cwd) }),
    projectEnv: defaultEnvironment(undefined, env),
    dotenvCache: new Map(),
  }
}

/**
 * The value of an entry in a local store (files or dotenv) described by the runtime index; empty
 * is absent. The project's own store is never read through a link; a file that is not regular or
 * is over `maxBytes` is refused (HUSH_E_UNSAFE_PATH).
 */
export function readLocalStore(
  root: string,
  store: { readonly store: string; readonly path?: string },
  name: string,
  envName: string,
  dotenvCache: Map<string, Record<string, string>>,
  maxBytes?: number,
): Found | undefined {
  if (!store.path) return undefined
  const path = resolvePath(root, store.path)
  const limits = maxBytes === undefined ? {} : { maxBytes }
  if (store.store === 'files') {
    const value = presentValue(readValueFile(join(path, name), { ...limits, followSymlinks: false }))
    return value === undefined ? undefined : { source: `store ${join(store.path, name)}`, value }
  }
  if (store.store === 'dotenv') {
    let values = dotenvCache.get(path)
    if (!values) {
      const text = readValueFile(path, { ...limits, followSymlinks: false })
      values = text === undefined ? {} : toRecord(parseDotenv(text))
      dotenvCache.set(path, values)
    }
    const value = presentValue(values[envName])
    return value === undefined ? undefined : { source: `store ${store.path} ${envName}`, value }
  }
  return undefined
}

/** The env name of a secret or store entry: the manifest's (via the runtime index) or the upper-cased name. */
export function envNameIn(ctx: ChainContext, name: string): string {
  return ctx.project?.index?.secrets[name]?.env ?? envNameOf(name)
}

function sizeText(bytes: number): string {
  return bytes % 1024 ** 2 === 0
    ? `${bytes / 1024 ** 2} MiB`
    : bytes % 1024 === 0
      ? `${bytes / 1024} KiB`
      : `${bytes} bytes`
}

/**
 * A mounted secret file (`X_FILE`, `$HUSH_SECRETS_DIR/x`). Symbolic links are followed, as
 * Kubernetes mounts each secret as a link into `..data/`; the file they end at must be regular
 * and at most `ctx.maxFileBytes` long. `what` names the source in messages.
 */
function readMountedFile(
  ctx: ChainContext,
  path: string,
  what: string,
): { value: string } | { absent: true } | { refused: string } {
  const r = readRegularFile(path, { maxBytes: ctx.maxFileBytes, followSymlinks: true })
  if (r.status === 'read') return { value: stripOneNewline(r.data.toString('utf8')) }
  if (r.status === 'absent') return { absent: true }
  return {
    refused:
      r.status === 'not-regular'
        ? `${what}, which is ${r.type}, not a regular file; hush reads secrets only from regular files`
        : `${what}, which is over the ${sizeText(ctx.maxFileBytes)} size cap; point it at the secret itself, or raise loadSecrets({ maxFileBytes })`,
  }
}

export function resolveSecret(ctx: ChainContext, name: string): Resolution {
  const envName = envNameIn(ctx, name)
  const found: Found[] = []
  const empty: string[] = []
  const problems: string[] = []
  const refused: string[] = []
  const looked: string[] = []
  const add = (source: string, value: string) =>
    presentValue(value) === undefined ? empty.push(source) : found.push({ source, value })
  const fileVar = `${envName}_FILE`
  const filePath = ctx.env[fileVar]
  looked.push(fileVar)
  if (filePath) {
    const shown = displayPath(filePath)
    const read = readMountedFile(
      ctx,
      isAbsolute(filePath) ? filePath : resolvePath(filePath),
      `${fileVar} points at ${shown}`,
    )
    if ('absent' in read) problems.push(`${fileVar} points at ${shown}, which does not exist`)
    else if ('refused' in read) refused.push(read.refused)
    else add(`${fileVar} (${shown})`, read.value)
  }
  const dirPath = join(ctx.secretsDir, name)
  const dirShown = displayPath(dirPath)
  looked.push(dirShown)
  const dirRead = readMountedFile(ctx, dirPath, dirShown)
  if ('refused' in dirRead) refused.push(dirRead.refused)
  else if ('value' in dirRead) add(dirShown, dirRead.value)
  looked.push(`env ${envName}`)
  const envValue = ctx.env[envName]
  if (envValue !== undefined) add(`env ${envName}`, envValue)
  if (!ctx.production && ctx.project?.index) {
    looked.push(`the ${ctx.projectEnv} store of ${displayPath(join(ctx.project.root, 'hush.yaml'))}`)
    const store = ctx.project.index.environments[ctx.projectEnv]
    const local =
      store && readLocalStore(ctx.project.root, store, name, envName, ctx.dotenvCache, ctx.maxFileBytes)
    if (local) found.push(local)
  }
  const [first, ...rest] = found
  return {
    name,
    envName,
    ...(first ? { found: first } : {}),
    conflicts: rest.filter((f) => f.value !== first!.value).map((f) => f.source),
    problems,
    empty,
    refused,
    looked,
  }
}
