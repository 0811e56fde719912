/**
 * How the consumers of each generated secret learn a new value, as `hush init` proposes it: a
 * rotator when a server the compose files run holds it, a key ring for signing keys (keyring.ts),
 * a restart when only the applications hold it, and a person when a server holds it that hush
 * cannot drive. Never a restart for what a server holds: the restart would not change the server.
 */
import { activeRoleEntryOf } from '../manifest/normalize.js'
import type { Server, ServerUse } from './servers.js'
import type { InferredRotate, InferredRotator, InferredSecret } from './types.js'

/** Words that make a password a server's (`postgres_password`, `db_pass`), even of a server no compose file runs. */
const SERVER_WORDS = new Set(
  'postgres postgresql pg psql mysql mariadb db database redis mongo mongodb rabbitmq rabbit amqp ldap'.split(
    ' ',
  ),
)
/** How long old and new credential both work after a rotation with overlap: time to restart the consumers. */
export const PROPOSED_GRACE = '1d'
const RANK = { admin: 0, login: 1, held: 2 } as const

interface Ctx {
  secrets: Map<string, InferredSecret>
  uses: ServerUse[]
  services: Record<string, string[]>
  rotators: InferredRotator[]
  /** fixed `<base>_user` secrets that become the active-role entry of a role pair */
  dropped: Set<string>
}

/**
 * Give every generated, non-keyring secret a `rotate` proposal, and the rotators they name.
 * `uses` are the secrets the compose files' servers hold (servers.ts).
 */
export function proposeRotation(
  secrets: InferredSecret[],
  uses: ServerUse[],
  services: Record<string, string[]>,
): { secrets: InferredSecret[]; rotators: InferredRotator[] } {
  const ctx: Ctx = {
    secrets: new Map(secrets.map((s) => [s.name, s])),
    uses,
    services,
    rotators: [],
    dropped: new Set(),
  }
  const proposed = secrets.map((s) =>
    s.kind === 'keyring' || s.generate === undefined ? s : propose(s, ctx),
  )
  return { secrets: proposed.filter((s) => !ctx.dropped.has(s.name)), rotators: ctx.rotators }
}

function propose(s: InferredSecret, ctx: Ctx): InferredSecret {
  const use = ctx.uses.filter((u) => u.secret === s.name).sort((a, b) => RANK[a.role] - RANK[b.role])[0]
  if (!use) {
    if (s.kind === 'password' && s.name.split('_').some((w) => SERVER_WORDS.has(w)))
      return manual(
        s,
        'the password of a server no compose file runs: declare it under rotators: and rotate: { via: … } if hush can reach it, else change it there and run hush set',
      )
    return { ...s, rotate: { consumers: 'restart' } }
  }
  const { server } = use
  if (server.kind === 'postgres' && use.role === 'admin') return postgresAdmin(s, use, ctx)
  // what the server reads besides its own password is a login only when it looks like a password (an init script's)
  if (server.kind === 'postgres' && (use.role === 'login' || s.kind === 'password'))
    return postgresLogin(s, use, ctx)
  if (server.kind === 'redis' && use.role === 'admin') return redisDefaultUser(s, use, ctx)
  if (server.kind === 'redis' && use.role === 'login' && use.user) return redisUser(s, use, ctx)
  const what = `service ${server.service} (${server.image})`
  return manual(
    s,
    server.kind === 'keeper'
      ? `${what} keeps its own copy after its first start, which a restart does not change, and hush has no rotator for it: change it in ${server.service}, then hush set ${s.name}`
      : `${what} reads it, and hush cannot tell how to change it there: change it in ${server.service}, then hush set ${s.name}`,
  )
}

const listed = (services: string[]) => (services.length > 0 ? ` (${services.join(', ')})` : '')

const withNote = (s: InferredSecret, note: string): InferredSecret => ({
  ...s,
  note: s.note ? `${s.note}; ${note}` : note,
})
const manual = (s: InferredSecret, note: string) => withNote({ ...s, rotate: { strategy: 'manual' } }, note)

/** Add a rotator under a free name; returns the secret rotated by it. */
function rotated(
  s: InferredSecret,
  ctx: Ctx,
  wanted: string,
  rotate: Omit<Extract<InferredRotate, { via: string }>, 'via'>,
  settings: InferredRotator['settings'],
  notes: string[],
): InferredSecret {
  // [a-z0-9_]+ without leading or trailing underscores: never __proto__
  const base =
    wanted
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'server'
  let name = base
  for (let n = 2; ctx.rotators.some((r) => r.name === name); n++) name = `${base}_${n}`
  ctx.rotators.push({ name, settings, notes })
  return { ...s, rotate: { via: name, ...rotate } }
}

const reach = (server: Server): InferredRotator['settings'] => [
  ['host', server.host],
  ['port', server.port],
]

function hostNote(server: Server): string[] {
  if (server.published) return []
  const port = server.port
  return [
    `host: ${server.service} is a compose service name, which resolves only inside the compose network: publish the port (ports: ["127.0.0.1:${port}:${port}"]) and write host: 127.0.0.1, or run hush where the name resolves`,
  ]
}

/** The services that use a secret besides its server: they mount it, or log in with it through a URL. */
function clientsOf(s: InferredSecret, server: Server, ctx: Ctx): string[] {
  const clients = new Set(
    Object.entries(ctx.services)
      .filter(([svc, names]) => svc !== server.service && names.includes(s.name))
      .map(([svc]) => svc),
  )
  for (const u of ctx.uses) if (u.secret === s.name && u.client) clients.add(u.client)
  return [...clients]
}

/** The role postgres's image creates, and the secret its name comes from. */
function adminUserOf(server: Server, ctx: Ctx): { user: string; from?: string } {
  if (!server.adminUserSecret) return { user: server.adminUser ?? 'postgres' }
  const value = ctx.secrets.get(server.adminUserSecret)?.value
  return { user: value ?? 'postgres', from: server.adminUserSecret }
}

function postgresAdmin(s: InferredSecret, use: ServerUse, ctx: Ctx): InferredSecret {
  const { server } = use
  const { user, from } = adminUserOf(server, ctx)
  const clients = clientsOf(s, server, ctx)
  return rotated(
    s,
    ctx,
    server.service,
    {},
    [['type', 'postgres'], ...reach(server), ['admin', s.name], ['admin_user', user], ['role', user]],
    [
      `${s.name} (${use.where}) is the password of role ${user}, set only when the database is created: a restart does not change it, hush rotate does (ALTER ROLE).`,
      `One role holds one password: its consumers${listed(clients)} fail from the moment it changes until they restart with the new one, so hush rotate ${s.name} needs --allow-downtime.`,
      'To rotate without downtime, give the applications a pair of login roles of their own and a rotator with roles: [app_a, app_b].',
      ...(from ? [`admin_user and role: the value of ${from}; change them with it.`] : []),
      ...hostNote(server),
    ],
  )
}

/** A login of an application: a pair of roles that take turns, so old and new password both work during grace. */
function postgresLogin(s: InferredSecret, use: ServerUse, ctx: Ctx): InferredSecret {
  const { server } = use
  const entry = activeRoleEntryOf(s.name)
  const clash = ctx.secrets.get(entry)
  if (clash && clash.kind !== 'user')
    return manual(
      s,
      `service ${server.service} holds it, but ${entry}, where hush would keep its active role, is another secret: rename one, then declare a postgres rotator with roles:`,
    )
  const stem = s.name.replace(/_(password|passwd|pass|pwd|pw)$/, '')
  const base = /^[a-z_]/.test(stem) ? stem : `role_${stem}`
  const roles = [`${base}_a`, `${base}_b`]
  const owner = `${base}_owner`
  const admin = ctx.uses.find((u) => u.server === server && u.role === 'admin')?.secret
  const { user } = adminUserOf(server, ctx)
  if (clash) ctx.dropped.add(entry)
  const secret = clash
    ? withNote(
        s,
        `${entry} is no longer a fixed value: hush keeps the active role there (${roles.join(' or ')})`,
      )
    : s
  return rotated(
    secret,
    ctx,
    base,
    { grace: PROPOSED_GRACE },
    [
      ['type', 'postgres'],
      ...reach(server),
      ...(server.database ? [['database', server.database] as [string, string]] : []),
      ...(admin ? [['admin', admin] as [string, string]] : []),
      ['admin_user', user],
      ['roles', roles],
    ],
    [
      `${s.name} (${use.where}) is an application's password on service ${server.service}. hush rotate gives the idle role of the pair the new password, points ${entry} at it, and re-randomises the old role after grace (${PROPOSED_GRACE}): no downtime when the applications log in as the role in ${entry} and restart within grace.`,
      `Once, as ${user}, create the roles (the first password is the value of ${s.name}: hush get ${s.name} --reveal; hush gen sets ${entry} to ${roles[0]}), then grant ${owner} what the applications need:`,
      `CREATE ROLE ${owner} NOLOGIN;`,
      `CREATE ROLE ${roles[0]} LOGIN PASSWORD '…' IN ROLE ${owner};`,
      `CREATE ROLE ${roles[1]} NOLOGIN IN ROLE ${owner};`,
      ...(admin
        ? []
        : [`admin: name the secret that holds the password of ${user}; no compose file shows it`]),
      ...hostNote(server),
    ],
  )
}

/** `requirepass` is the default user's password: redis 6 and later hold two for it while the consumers move. */
function redisDefaultUser(s: InferredSecret, use: ServerUse, ctx: Ctx): InferredSecret {
  const { server } = use
  const acl = server.major === undefined || server.major >= 6
  const consumers = clientsOf(s, server, ctx)
  return rotated(
    s,
    ctx,
    server.service,
    acl ? { grace: PROPOSED_GRACE } : {},
    [['type', 'redis'], ...reach(server), acl ? ['user', 'default'] : ['mode', 'requirepass']],
    [
      acl
        ? `${s.name} (${use.where}) is the password of the default user of service ${server.service}. hush rotate adds the new password beside the old one (ACL SETUSER default >…) and removes the old one after grace (${PROPOSED_GRACE}): restart its clients${listed(consumers)} meanwhile; ${server.service} itself needs no restart.`
        : `${s.name} (${use.where}) is the one password of service ${server.service} (redis ${server.major} has no ACL users): its consumers${listed(consumers)} fail from the moment it changes until they restart, so hush rotate ${s.name} needs --allow-downtime.`,
      ...aclfileNote(server),
      ...hostNote(server),
    ],
  )
}

function redisUser(s: InferredSecret, use: ServerUse, ctx: Ctx): InferredSecret {
  const { server } = use
  const user = use.user!
  const admin = ctx.uses.find((u) => u.server === server && u.role === 'admin' && u.secret !== s.name)?.secret
  const stem = s.name.replace(/_(password|passwd|pass|pwd|pw)$/, '')
  return rotated(
    s,
    ctx,
    stem,
    { grace: PROPOSED_GRACE },
    [
      ['type', 'redis'],
      ...reach(server),
      ['user', user],
      ...(admin ? [['admin', admin] as [string, string]] : []),
    ],
    [
      `${s.name} (${use.where}) is the password of ACL user ${user} of service ${server.service}. hush rotate adds the new password beside the old one and removes the old one after grace (${PROPOSED_GRACE}): restart its clients${listed(clientsOf(s, server, ctx))} meanwhile.`,
      `Once, create the user with the value of ${s.name} (hush get ${s.name} --reveal): ACL SETUSER ${user} on >… ~* +@all, then ACL SAVE.`,
      ...(admin ? [] : [`Without admin: hush logs in as ${user}, which then needs the +acl permission.`]),
      ...aclfileNote(server),
      ...hostNote(server),
    ],
  )
}

function aclfileNote(server: Server): string[] {
  return server.aclfile
    ? [
        'The server reads an ACL file (--aclfile): hush saves each change with ACL SAVE, so redis must be able to write it.',
      ]
    : []
}
