/**
 * The resolution chain for one secret `x` (env name `X`):
 * `X_FILE` → `$HUSH_SECRETS_DIR/x` (default `/run/secrets`) → `X` → outside
 * production, the local store of the nearest hush.yaml. Every source is read,
 * so that two sources holding different values can be reported.
 */
import { isAbsolute, join, resolve as resolvePath } from 'node:path'
import { parseDotenv, toRecord } from '../lib/dotenv-format.js'
import { defaultEnvironment } from '../lib/environment.js'
import { readEntryFile, readValueFile } from '../lib/fs-safe.js'
import { envNameOf } from '../lib/names.js'
import { presentValue } from '../lib/present.js'
import { type FoundIndex, findRuntimeIndex } from '../lib/runtime-index.js'

export type Env = Readonly<Record<string, string | undefined>>

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
  /** where it looked, for the "missing" message */
  readonly looked: readonly string[]
}

export interface ChainContext {
  readonly env: Env
  readonly production: boolean
  readonly secretsDir: string
  readonly project?: FoundIndex
  /** which environment of the project's local store to read (HUSH_ENV or development) */
  readonly projectEnv: string
  /** .env files already parsed, by path */
  readonly dotenvCache: Map<string, Record<string, string>>
}

/**
 * Whether hush treats this process as production (`HUSH_ENV` or `NODE_ENV` = `production`).
 *
 * @example
 * if (!isProduction(process.env)) console.log(secrets.sources())
 */
export function isProduction(env: Env): boolean {
  return env.HUSH_ENV === 'production' || env.NODE_ENV === 'production'
}

export function chainContext(env: Env, cwd: string): ChainContext {
  const production = isProduction(env)
  return {
    env,
    production,
    secretsDir: env.HUSH_SECRETS_DIR || '/run/secrets',
    ...(production ? {} : { project: findRuntimeIndex(cwd) }),
    projectEnv: defaultEnvironment(undefined, env),
    dotenvCache: new Map(),
  }
}

/** The value of an entry in a local store (files or dotenv) described by the runtime index; empty is absent. */
export function readLocalStore(
  root: string,
  store: { readonly store: string; readonly path?: string },
  name: string,
  envName: string,
  dotenvCache: Map<string, Record<string, string>>,
): Found | undefined {
  if (!store.path) return undefined
  const path = resolvePath(root, store.path)
  if (store.store === 'files') {
    const value = presentValue(readEntryFile(join(path, name))) // the project's own store: never through a link
    return value === undefined ? undefined : { source: `store ${join(store.path, name)}`, value }
  }
  if (store.store === 'dotenv') {
    let values = dotenvCache.get(path)
    if (!values) {
      const text = readEntryFile(path)
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

export function resolveSecret(ctx: ChainContext, name: string): Resolution {
  const envName = envNameIn(ctx, name)
  const found: Found[] = []
  const empty: string[] = []
  const problems: string[] = []
  const looked: string[] = []
  const add = (source: string, value: string) =>
    presentValue(value) === undefined ? empty.push(source) : found.push({ source, value })
  const fileVar = `${envName}_FILE`
  const filePath = ctx.env[fileVar]
  looked.push(fileVar)
  if (filePath) {
    const value = readValueFile(isAbsolute(filePath) ? filePath : resolvePath(filePath))
    if (value === undefined) problems.push(`${fileVar} points at ${filePath}, which does not exist`)
    else add(`${fileVar} (${filePath})`, value)
  }
  const dirPath = join(ctx.secretsDir, name)
  looked.push(dirPath)
  const dirValue = readValueFile(dirPath)
  if (dirValue !== undefined) add(dirPath, dirValue)
  looked.push(`env ${envName}`)
  const envValue = ctx.env[envName]
  if (envValue !== undefined) add(`env ${envName}`, envValue)
  if (!ctx.production && ctx.project?.index) {
    looked.push(`the ${ctx.projectEnv} store of ${join(ctx.project.root, 'hush.yaml')}`)
    const store = ctx.project.index.environments[ctx.projectEnv]
    const local = store && readLocalStore(ctx.project.root, store, name, envName, ctx.dotenvCache)
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
    looked,
  }
}
