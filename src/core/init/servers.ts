/**
 * The servers a compose file runs that hold a secret themselves (PostgreSQL, Redis, Grafana, ...):
 * restarting the applications does not change what such a server verifies, so `hush init` proposes
 * a rotator for it (rotation.ts), or a person.
 */
import type { ComposeService } from './compose.js'
import { varRefs, withDefaults } from './interpolate.js'
import { shown } from './names.js'

/** `keeper`: keeps its own copy of a credential after the first start, and hush has no rotator for it. */
export type ServerKind = 'postgres' | 'redis' | 'keeper'

export interface Server {
  service: string
  kind: ServerKind
  image: string
  /** the major version of the image tag (`redis:5-alpine` → 5), when it has one */
  major?: number
  /** where hush reaches it: 127.0.0.1 (or the address named) and the published port, else the service name */
  host: string
  port: number
  /** false when `host` is the compose service name, which resolves only inside the compose network */
  published: boolean
  /** postgres: the role the image creates (POSTGRES_USER), or the secret that holds its name */
  adminUser?: string
  adminUserSecret?: string
  database?: string
  /** redis: started with `--aclfile` */
  aclfile: boolean
}

/**
 * A secret a server holds. `admin`: the password the server starts with (POSTGRES_PASSWORD,
 * `--requirepass`); `login`: a password an application logs in with (a connection URL);
 * `held`: anything else the server reads (an init script's role password, an admin password).
 */
export interface ServerUse {
  secret: string
  server: Server
  role: 'admin' | 'login' | 'held'
  /** the user a connection URL names, when it names one */
  user?: string
  /** the service whose connection URL logs in with it */
  client?: string
  where: string
}

/** How `hush init` resolved names while reading the compose files. */
export interface SecretLookup {
  /** the secret behind `${VAR}` (or a variable passed through from the shell) */
  byVar(name: string): string | undefined
  /** the secret a path inside a service's container reads (`/run/secrets/x`, a long-form target) */
  byPath(service: string, path: string): string | undefined
  /** the secrets a service mounts */
  mounted(service: string): string[]
}

const IMAGES: [RegExp, ServerKind, number][] = [
  [/^(postgres|postgresql|postgis|timescaledb(-ha)?)$/, 'postgres', 5432],
  [/^(redis|redis-stack(-server)?|valkey)$/, 'redis', 6379],
  [/^(grafana(-oss|-enterprise)?|mysql|mariadb|mongo|mongodb|rabbitmq|keycloak)$/, 'keeper', 0],
]

/** `docker.io/bitnami/postgresql:16.2@sha256:…` → { kind: postgres, major: 16 }; undefined for any other image. */
export function serverImage(image: string): { kind: ServerKind; port: number; major?: number } | undefined {
  const last = image.split('@')[0]!.split('/').at(-1)!
  const [repo = '', tag = ''] = last.split(':')
  const found = IMAGES.find(([re]) => re.test(repo.toLowerCase()))
  if (!found) return undefined
  const major = /^v?(\d+)/.exec(tag)?.[1]
  return { kind: found[1], port: found[2], ...(major ? { major: Number(major) } : {}) }
}

/** Compose files may split a service (an override file adds environment): one service per name. */
function merged(services: ComposeService[]): ComposeService[] {
  const byName = new Map<string, ComposeService>()
  for (const s of services) {
    const seen = byName.get(s.name)
    if (!seen) byName.set(s.name, { ...s, env: [...s.env], ports: [...s.ports], fileLinks: [...s.fileLinks] })
    else
      byName.set(s.name, {
        ...seen,
        ...(s.image !== undefined ? { image: s.image } : {}),
        ...(s.command !== undefined ? { command: s.command } : {}),
        env: [...seen.env, ...s.env],
        ports: [...seen.ports, ...s.ports],
        fileLinks: [...seen.fileLinks, ...s.fileLinks],
        hostNetwork: seen.hostNetwork || s.hostNetwork,
      })
  }
  return [...byName.values()]
}

/** The secret an environment variable of a service holds: `X_FILE: /run/secrets/x`, `X: ${VAR}` or a bare `X`. */
function secretOfEnv(
  svc: ComposeService,
  key: string,
  lookup: SecretLookup,
): { secret: string; where: string } | undefined {
  const where = (k: string) => `${k} in service ${shown(svc.name)}`
  const link = svc.fileLinks.findLast((l) => l.envVar === key)
  const byFile = link?.path === undefined ? undefined : lookup.byPath(svc.name, link.path)
  if (link && byFile) return { secret: byFile, where: where(link.key) }
  const entry = svc.env.findLast(([k]) => k === key)
  if (!entry) return undefined
  const refs = entry[1] === undefined ? [{ name: key }] : varRefs(entry[1])
  const secret = refs.length === 1 ? lookup.byVar(refs[0]!.name) : undefined
  return secret ? { secret, where: where(key) } : undefined
}

/** A literal environment value (defaults applied); undefined when it is missing or a variable without default. */
function literalEnv(svc: ComposeService, key: string): string | undefined {
  const value = svc.env.findLast(([k]) => k === key)?.[1]
  return value === undefined ? undefined : withDefaults(value) || undefined
}

function reach(svc: ComposeService, port: number): Pick<Server, 'host' | 'port' | 'published'> {
  if (svc.hostNetwork) return { host: '127.0.0.1', port, published: true }
  const p = svc.ports.find((x) => x.target === port)
  if (!p) return { host: svc.name, port, published: false }
  const any = p.hostIp === undefined || ['', '0.0.0.0', '::'].includes(p.hostIp)
  return { host: any ? '127.0.0.1' : p.hostIp!, port: p.published, published: true }
}

/** The server a service runs, with its admin password's use; undefined when its image is no known server. */
function serverOf(
  svc: ComposeService,
  lookup: SecretLookup,
): { server: Server; admin?: ServerUse } | undefined {
  const image = svc.image && serverImage(svc.image)
  if (!image) return undefined
  const command = svc.command ?? ''
  const port = Number(/--port(?:=|\s+)(\d+)/.exec(command)?.[1] ?? image.port)
  const server: Server = {
    service: svc.name,
    kind: image.kind,
    image: svc.image!,
    ...(image.major !== undefined ? { major: image.major } : {}),
    ...reach(svc, port),
    aclfile: /--aclfile\b/.test(command),
  }
  let admin: { secret: string; where: string } | undefined
  if (image.kind === 'postgres') {
    const key = ['POSTGRESQL_POSTGRES_PASSWORD', 'POSTGRES_PASSWORD', 'POSTGRESQL_PASSWORD'].find((k) =>
      secretOfEnv(svc, k, lookup),
    )
    admin = key ? secretOfEnv(svc, key, lookup) : undefined
    const userKey = ['POSTGRES_USER', 'POSTGRESQL_USERNAME'].find(
      (k) => svc.env.some(([e]) => e === k) || svc.fileLinks.some((l) => l.envVar === k),
    )
    const userSecret = userKey && secretOfEnv(svc, userKey, lookup)?.secret
    if (key === 'POSTGRESQL_POSTGRES_PASSWORD' || !userKey) server.adminUser = 'postgres'
    else if (userSecret) server.adminUserSecret = userSecret
    else server.adminUser = literalEnv(svc, userKey) ?? 'postgres'
    const database = literalEnv(svc, 'POSTGRES_DB') ?? literalEnv(svc, 'POSTGRESQL_DATABASE')
    if (database) server.database = database
  }
  if (image.kind === 'redis')
    admin = requirepass(svc, command, lookup) ?? secretOfEnv(svc, 'REDIS_PASSWORD', lookup)
  return { server, ...(admin ? { admin: { ...admin, server, role: 'admin' } } : {}) }
}

/** The secret behind `--requirepass`: a file it cats, a container variable (`$$VAR`) or a compose one (`${VAR}`). */
function requirepass(
  svc: ComposeService,
  command: string,
  lookup: SecretLookup,
): { secret: string; where: string } | undefined {
  // its argument runs to the next --option: found by index, not by a lazy regex (linear on any command)
  const at = command.search(/--requirepass(?:=|\s)/)
  if (at < 0) return undefined
  const rest = command.slice(at + '--requirepass'.length + 1)
  const next = rest.search(/\s--/)
  const arg = (next < 0 ? rest : rest.slice(0, next)).trim()
  if (arg === '') return undefined
  const where = `--requirepass in service ${shown(svc.name)}`
  const path = /\/[\w./-]+/.exec(arg)?.[0]
  const byPath = path && lookup.byPath(svc.name, path)
  if (byPath) return { secret: byPath, where }
  const containerVar = /\$\$\{?([A-Za-z_]\w*)/.exec(arg)?.[1]
  if (containerVar) return secretOfEnv(svc, containerVar.replace(/_{1,2}FILE$/, ''), lookup)
  const ref = varRefs(arg)[0]
  const byVar = ref && lookup.byVar(ref.name)
  return byVar ? { secret: byVar, where } : undefined
}

/** `postgresql://app:${APP_DB_PASSWORD}@db:5432/app` → user, the password's variable and the host. */
export function credentialUrl(
  value: string,
): { scheme: string; user: string | undefined; passwordVar: string; host: string } | undefined {
  const refs: string[] = []
  const masked = value.replace(/\$\{[^}]*\}/g, (ref) => `\0${refs.push(ref) - 1}\0`)
  const unmask = (text: string) => text.replace(/\0(\d+)\0/g, (_, i: string) => refs[Number(i)]!)
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^@/?#\s]*)@([^/?#\s]*)/i.exec(masked.trim())
  if (!m) return undefined
  const [user = '', ...password] = m[2]!.split(':')
  const passwordVar = varRefs(unmask(password.join(':')))[0]?.name
  const host = withDefaults(unmask(m[3]!.replace(/:[^:]*$/, '')))
  if (!passwordVar || !host) return undefined
  return { scheme: m[1]!.toLowerCase(), user: withDefaults(unmask(user)), passwordVar, host }
}

/** Every secret a server holds, as the compose files show it. */
export function serverUses(
  all: ComposeService[],
  lookup: SecretLookup,
): { servers: Server[]; uses: ServerUse[] } {
  const services = merged(all)
  const servers = new Map<string, Server>()
  const uses: ServerUse[] = []
  for (const svc of services) {
    const found = serverOf(svc, lookup)
    if (!found) continue
    servers.set(svc.name, found.server)
    if (found.admin) uses.push(found.admin)
    const others = [
      ...lookup.mounted(svc.name),
      ...svc.env.flatMap(([key]) => secretOfEnv(svc, key.replace(/_{1,2}FILE$/, ''), lookup)?.secret ?? []),
    ]
    for (const secret of new Set(others))
      if (secret !== found.admin?.secret && secret !== found.server.adminUserSecret)
        uses.push({ secret, server: found.server, role: 'held', where: `read by service ${shown(svc.name)}` })
  }
  for (const svc of services)
    for (const [key, value] of svc.env) {
      const url = value === undefined ? undefined : credentialUrl(value)
      const server = url && servers.get(url.host)
      const secret = url && lookup.byVar(url.passwordVar)
      if (!url || !server || !secret || server.service === svc.name) continue
      if (!url.scheme.startsWith(server.kind === 'postgres' ? 'postgres' : 'redis')) continue
      const defaultUser = server.kind === 'redis' && (url.user === '' || url.user === 'default')
      uses.push({
        secret,
        server,
        role: defaultUser ? 'admin' : 'login',
        ...(url.user ? { user: url.user } : {}),
        client: svc.name,
        where: `${key} in service ${shown(svc.name)}`,
      })
    }
  return { servers: [...servers.values()], uses }
}
