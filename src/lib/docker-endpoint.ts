/**
 * Where the Docker engine is, as the docker CLI decides it: DOCKER_HOST (unix://, tcp:// with or
 * without TLS, ssh://), else the current docker context, else the local socket. Resolving reads
 * only the context metadata; certificates are read when the first call connects.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

type Env = Readonly<Record<string, string | undefined>>

export const DEFAULT_SOCKET = '/var/run/docker.sock'

/** Certificate files for a TLS engine (each may be missing; the transport says which it needs). */
export interface EngineTls {
  /** The directory the files come from, for messages: DOCKER_CERT_PATH or the context's TLS folder. */
  readonly dir: string
  /** What named the directory, for hints: DOCKER_CERT_PATH or `docker context NAME`. */
  readonly setting: string
}

interface Common {
  /** What chose this endpoint: `DOCKER_HOST`, `docker context NAME` or `default`. */
  readonly from: string
}

export type EngineEndpoint = Common &
  (
    | { readonly kind: 'unix'; readonly socketPath: string }
    | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly tls?: EngineTls }
    | {
        readonly kind: 'ssh'
        readonly host: string
        readonly user?: string
        readonly port?: number
        /** The engine's socket on the remote host, when not the default. */
        readonly socketPath?: string
      }
    /** A setting hush cannot use: every call fails with this problem and hint. */
    | { readonly kind: 'unusable'; readonly where: string; readonly problem: string; readonly hint: string }
  )

/** The address the user would recognise: unix:///…, tcp://…:2376 (TLS), ssh://user@host:port. */
export function describeEndpoint(endpoint: EngineEndpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return `unix://${endpoint.socketPath}`
    case 'tcp':
      return `tcp://${hostPart(endpoint.host)}:${endpoint.port}${endpoint.tls ? ' (TLS)' : ''}`
    case 'ssh': {
      const user = endpoint.user ? `${endpoint.user}@` : ''
      const port = endpoint.port ? `:${endpoint.port}` : ''
      return `ssh://${user}${hostPart(endpoint.host)}${port}${endpoint.socketPath ?? ''}`
    }
    case 'unusable':
      return endpoint.where
  }
}

const hostPart = (host: string) => (host.includes(':') ? `[${host}]` : host)

/** Resolve the engine from the environment (DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG, DOCKER_TLS_VERIFY…). */
export function engineEndpoint(env: Env): EngineEndpoint {
  const host = env.DOCKER_HOST
  if (host) return parseHost(host, 'DOCKER_HOST', envTls(env), env.DOCKER_TLS ? 'DOCKER_TLS' : undefined)
  return contextEndpoint(env)
}

/** DOCKER_TLS_VERIFY (any non-empty value, as docker reads it) asks for TLS with certificates from DOCKER_CERT_PATH. */
function envTls(env: Env): EngineTls | undefined {
  if (!env.DOCKER_TLS_VERIFY) return undefined
  return { dir: env.DOCKER_CERT_PATH || configDir(env), setting: 'DOCKER_CERT_PATH' }
}

function configDir(env: Env): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker')
}

/** An endpoint that cannot be used, with why and how to fix it: the first engine call says so. */
const unusableFrom =
  (from: string) =>
  (problem: string, hint: string): EngineEndpoint => ({ kind: 'unusable', from, where: from, problem, hint })

function parseHost(
  address: string,
  from: string,
  tls: EngineTls | undefined,
  unverifiedTls: string | undefined,
): EngineEndpoint {
  const unusable = unusableFrom(from)
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(address)?.[1]?.toLowerCase()
  if (scheme === 'unix') {
    const socketPath = address.slice('unix://'.length)
    return socketPath
      ? { kind: 'unix', from, socketPath }
      : unusable(`${from} names no socket path`, 'write it as unix:///var/run/docker.sock')
  }
  if (scheme !== 'tcp' && scheme !== 'ssh')
    return unusable(
      `${from} is not a unix://, tcp:// or ssh:// address${scheme ? ` (scheme ${scheme}://)` : ''}`,
      'write it as unix:///path/docker.sock, tcp://host:2376 or ssh://user@host',
    )
  let url: URL
  try {
    url = new URL(address)
  } catch {
    return unusable(`${from} is not a valid ${scheme}:// address`, `write it as ${scheme}://host:port`)
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (!host) return unusable(`${from} names no host`, `write it as ${scheme}://host`)
  const port = url.port ? Number(url.port) : undefined
  if (scheme === 'ssh') {
    if (url.password)
      return unusable(
        `${from} holds a password`,
        'ssh runs in batch mode: use a key (ssh-agent or ~/.ssh/config), not a password in the URL',
      )
    const socketPath = url.pathname.replace(/^\/+$/, '') || undefined
    if (socketPath && !/^\/[\w./-]+$/.test(socketPath))
      return unusable(
        `${from} names a remote socket path hush will not pass to a shell`,
        'use [A-Za-z0-9_./-]',
      )
    return {
      kind: 'ssh',
      from,
      host,
      ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
      ...(port ? { port } : {}),
      ...(socketPath ? { socketPath } : {}),
    }
  }
  if (!tls && unverifiedTls)
    return unusable(
      `${unverifiedTls} asks for TLS without verifying the engine's certificate`,
      'hush sends secrets only to an engine it can verify: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH',
    )
  return { kind: 'tcp', from, host, port: port ?? (tls ? 2376 : 2375), ...(tls ? { tls } : {}) }
}

/** The current docker context: DOCKER_CONTEXT, else `currentContext` in config.json, else `default`. */
function contextEndpoint(env: Env): EngineEndpoint {
  const dir = configDir(env)
  const fallback: EngineEndpoint = { kind: 'unix', from: 'default', socketPath: DEFAULT_SOCKET }
  let name = env.DOCKER_CONTEXT
  let chosenBy = 'DOCKER_CONTEXT'
  if (!name) {
    const config = readJson(join(dir, 'config.json'))
    if (config instanceof Error)
      return {
        kind: 'unusable',
        from: 'docker config',
        where: join(dir, 'config.json'),
        problem: `${join(dir, 'config.json')} cannot be read (${config.message})`,
        hint: 'fix or remove it (docker refuses it too), or set DOCKER_HOST',
      }
    const current = (config as { currentContext?: unknown } | undefined)?.currentContext
    name = typeof current === 'string' ? current : undefined
    chosenBy = `currentContext in ${join(dir, 'config.json')}`
  }
  if (!name || name === 'default') return fallback
  const from = `docker context ${name}`
  const unusable = unusableFrom(from)
  const id = createHash('sha256').update(name).digest('hex')
  const metaFile = join(dir, 'contexts', 'meta', id, 'meta.json')
  const meta = readJson(metaFile)
  if (meta === undefined)
    return unusable(
      `the docker context ${name} (${chosenBy}) does not exist`,
      '`docker context ls` lists them; `docker context use default` or DOCKER_HOST picks another engine',
    )
  if (meta instanceof Error)
    return unusable(`${metaFile} cannot be read (${meta.message})`, 'recreate the context')
  const docker = (meta as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } }).Endpoints
    ?.docker
  if (typeof docker?.Host !== 'string' || !docker.Host)
    return unusable(`the docker context ${name} has no docker endpoint`, '`docker context inspect` shows it')
  if (docker.SkipTLSVerify === true)
    return unusable(
      `the docker context ${name} skips TLS verification`,
      `hush sends secrets only to an engine it can verify: docker context update ${name} --docker "skip-tls-verify=false,ca=…"`,
    )
  const tlsDir = join(dir, 'contexts', 'tls', id, 'docker')
  const tls = existsSync(tlsDir) ? { dir: tlsDir, setting: from } : undefined
  return parseHost(docker.Host, from, tls, undefined)
}

/** undefined when the file does not exist; an Error when it cannot be read or parsed. */
function readJson(file: string): unknown {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
    return typeof parsed === 'object' && parsed !== null ? parsed : new Error('not a JSON object')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    return err instanceof SyntaxError ? new Error('not valid JSON') : (err as Error)
  }
}
