/** What a compose file says about secrets: declared secrets, who mounts them, `*_FILE` links, `${VAR}` keys. */
import { dirname, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { HushError } from '../../lib/errors.js'
import { type VarRef, varRefs, withDefaults } from './interpolate.js'

export interface ComposeSecret {
  /** the key under top-level `secrets:`, as written */
  raw: string
  /** absolute path of `file:` */
  file?: string
  external: boolean
  /** compose's `environment:` source: the value comes from this variable */
  fromEnv?: string
}

export interface ComposeService {
  name: string
  /** `image:`, defaults of `${VAR:-default}` applied */
  image?: string
  /** `environment:` as written: a missing value is passed through from the shell */
  env: [key: string, value: string | undefined][]
  /** `command:`, a list joined with spaces */
  command?: string
  /** `ports:` that publish a container port on the host (`"127.0.0.1:5433:5432"`, long form) */
  ports: PublishedPort[]
  /** `network_mode: host`: the container's ports are the host's */
  hostNetwork: boolean
  /** `secrets:` entries; target defaults to the source */
  mounts: { source: string; target: string }[]
  /** `X_FILE: /run/secrets/x` → { envVar: 'X', key: 'X_FILE', path } (path undefined when it cannot be resolved) */
  fileLinks: { envVar: string; key: string; path: string | undefined }[]
  /** `${VAR}` references and pass-through keys of `environment:` */
  refs: VarRef[]
}

export interface PublishedPort {
  /** the container port */
  target: number
  published: number
  /** the host address it is published on, when one is named */
  hostIp?: string
}

export interface ComposeFacts {
  secrets: ComposeSecret[]
  services: ComposeService[]
  warnings: string[]
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const scalar = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined

/** Parse compose text; throws HUSH_E_USAGE when it is not YAML. `file` is its absolute path. */
export function readCompose(text: string, file: string): ComposeFacts {
  const doc = parseDocument(text, { merge: true, prettyErrors: true })
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!
    throw new HushError(
      'HUSH_E_USAGE',
      `${file} is not valid YAML (line ${first.linePos?.[0].line ?? '?'})`,
      {
        hint: 'fix the compose file, or leave it out of --from',
        items: doc.errors.map((e) => ({
          path: `line ${e.linePos?.[0].line ?? '?'}`,
          message: e.message.split('\n')[0]!,
        })),
      },
    )
  }
  const top = doc.toJS({ maxAliasCount: 1000 }) as unknown
  const facts: ComposeFacts = { secrets: [], services: [], warnings: [] }
  if (!isObj(top) || (!isObj(top.secrets) && !isObj(top.services))) {
    facts.warnings.push(`${file}: no services or secrets found; is it a compose file?`)
    return facts
  }
  if (isObj(top.secrets))
    for (const [raw, spec] of Object.entries(top.secrets))
      facts.secrets.push(readSecret(raw, spec, file, facts))
  if (isObj(top.services))
    for (const [name, spec] of Object.entries(top.services))
      if (isObj(spec)) facts.services.push(readService(name, spec))
  return facts
}

function readSecret(raw: string, spec: unknown, composeFile: string, facts: ComposeFacts): ComposeSecret {
  const secret: ComposeSecret = { raw, external: isObj(spec) && Boolean(spec.external) }
  if (!isObj(spec)) return secret
  const fileText = scalar(spec.file)
  if (fileText !== undefined) {
    const path = withDefaults(fileText)
    if (path === undefined)
      facts.warnings.push(
        `compose secret ${JSON.stringify(raw)}: file ${fileText} uses a variable without a default`,
      )
    else secret.file = resolve(dirname(composeFile), path)
  }
  const fromEnv = scalar(spec.environment)
  if (fromEnv !== undefined) secret.fromEnv = fromEnv
  return secret
}

function readService(name: string, spec: Obj): ComposeService {
  const env = environmentOf(spec.environment)
  const image = scalar(spec.image)
  const command = Array.isArray(spec.command)
    ? spec.command
        .map(scalar)
        .filter((t) => t !== undefined)
        .join(' ')
    : scalar(spec.command)
  const service: ComposeService = {
    name,
    ...(image !== undefined ? { image: withDefaults(image) ?? image } : {}),
    env,
    ...(command !== undefined ? { command } : {}),
    ports: Array.isArray(spec.ports) ? spec.ports.flatMap(portOf) : [],
    hostNetwork: spec.network_mode === 'host',
    mounts: [],
    fileLinks: [],
    refs: [],
  }
  if (Array.isArray(spec.secrets))
    for (const entry of spec.secrets) {
      const source = isObj(entry) ? scalar(entry.source) : scalar(entry)
      if (source === undefined) continue
      const target = (isObj(entry) ? scalar(entry.target) : undefined) ?? source
      service.mounts.push({ source, target })
    }
  for (const [key, value] of env) {
    const fileKey = /^(.+?)_{1,2}FILE$/.exec(key)
    if (fileKey && value !== undefined)
      service.fileLinks.push({ envVar: fileKey[1]!, key, path: withDefaults(value) })
    if (value === undefined) service.refs.push({ name: key })
    else service.refs.push(...varRefs(value))
  }
  // compose interpolates `${VAR}` in the command too (`--requirepass ${REDIS_PASSWORD}`)
  if (command !== undefined) service.refs.push(...varRefs(command))
  return service
}

/** `"5433:5432"`, `"127.0.0.1:5433:5432/tcp"`, `{ target: 5432, published: 5433 }`; none for a bare or ranged port. */
function portOf(entry: unknown): PublishedPort[] {
  if (isObj(entry)) {
    const target = Number(scalar(entry.target))
    const published = Number(withDefaults(scalar(entry.published) ?? '') ?? '')
    const hostIp = scalar(entry.host_ip)
    if (!Number.isInteger(target) || !Number.isInteger(published) || published <= 0) return []
    return [{ target, published, ...(hostIp ? { hostIp } : {}) }]
  }
  const text = withDefaults(scalar(entry) ?? '')?.replace(/\/(tcp|udp)$/, '')
  const m = text === undefined ? null : /^(?:\[?([^\]]*?)\]?:)?(\d+):(\d+)$/.exec(text)
  if (!m) return []
  return [{ target: Number(m[3]), published: Number(m[2]), ...(m[1] ? { hostIp: m[1] } : {}) }]
}

/** Map form `{ K: v }` or list form `[K=v, K]`; a missing value means "passed through from the shell". */
function environmentOf(env: unknown): [string, string | undefined][] {
  if (isObj(env)) return Object.entries(env).map(([k, v]) => [k, scalar(v)])
  if (!Array.isArray(env)) return []
  return env.flatMap((item): [string, string | undefined][] => {
    const text = scalar(item)
    if (text === undefined) return []
    const eq = text.indexOf('=')
    return [eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)]]
  })
}
