/**
 * PostgreSQL has one password per role, so overlap comes from two LOGIN roles
 * that share a NOLOGIN owner role: the inactive one gets the new password,
 * consumers flip to it at PROMOTED (the store's `<base>_user` entry), and the
 * old one is re-randomised at REVOKED. Passwords are sent as SCRAM-SHA-256
 * verifiers, so the plaintext never reaches the server or its logs.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import type { Client } from 'pg'
import { HushError } from '../../../lib/errors.js'
import { loadSdk } from '../../../lib/optional-sdk.js'
import type { Rotator } from './types.js'

export interface PostgresRotatorConfig {
  readonly name: string
  readonly host?: string
  readonly port?: number
  readonly database?: string
  /** alternating roles, the store entry naming the active one, and its current value */
  readonly roles?: readonly [string, string]
  readonly activeEntry?: string
  readonly active?: string | undefined
  /** single-role mode (no overlap: needs --allow-downtime) */
  readonly role?: string
  readonly adminUser?: string
  readonly adminPassword?: string
}

/** The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802 / 7677). */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256')
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest()
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest()
  const serverKey = hmac(salted, 'Server Key')
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}

export function postgresRotator(config: PostgresRotatorConfig): Rotator {
  const connect = async (user: string, password: string | undefined): Promise<Client> => {
    const pg = (await loadSdk(() => import('pg'), 'pg', 'the postgres rotator')).default
    const client = new pg.Client({
      host: config.host ?? '127.0.0.1',
      port: config.port ?? 5432,
      database: config.database ?? 'postgres',
      user,
      ...(password !== undefined ? { password } : {}),
      connectionTimeoutMillis: 5000,
    })
    client.on('error', () => {})
    await client.connect()
    return client
  }
  const canLogin = async (user: string, password: string): Promise<boolean> => {
    try {
      const c = await connect(user, password)
      await c.query('SELECT 1')
      await c.end()
      return true
    } catch {
      return false
    }
  }
  /**
   * Set a role's password as the admin. When the role is the admin itself (a server's superuser
   * password), the store may already hold a password the server no longer has: `fallback` (the
   * other of old and new) is tried when the admin's stored password is refused.
   */
  const setPassword = async (role: string, password: string, fallback?: string): Promise<void> => {
    let client: Client | undefined
    const admin = config.adminUser ?? 'postgres'
    try {
      client = await connect(admin, config.adminPassword).catch(async (err: unknown) => {
        if (fallback === undefined || admin !== role || (err as { code?: string }).code !== '28P01') throw err
        return connect(admin, fallback)
      })
      const ident = client.escapeIdentifier(role)
      await client.query(
        `ALTER ROLE ${ident} WITH LOGIN PASSWORD ${client.escapeLiteral(scramVerifier(password))}`,
      )
    } catch (err) {
      // pg error messages may quote the statement; keep only the SQLSTATE
      const code = (err as { code?: string }).code ?? 'connection failed'
      throw new HushError(
        'HUSH_E_IO',
        `postgres rotator ${config.name}: ALTER ROLE ${role} failed (${code})`,
        {
          hint: `check that ${config.host ?? '127.0.0.1'}:${config.port ?? 5432} is up and the admin role may alter ${role}`,
        },
      )
    } finally {
      await client?.end().catch(() => {})
    }
  }
  if (!config.roles) {
    const role = config.role!
    return {
      singleCredential: true,
      async plan() {
        return { role }
      },
      async apply(ctx) {
        if (await canLogin(role, ctx.pending)) return `${role} already logs in with the new password`
        await setPassword(role, ctx.pending, ctx.current)
        return `${role} has the new password; the old one no longer works`
      },
      async test(ctx) {
        if (!(await canLogin(role, ctx.pending)))
          throw new HushError(
            'HUSH_E_IO',
            `postgres rotator ${config.name}: ${role} cannot log in with the new password`,
            {
              hint: 'run hush rotate --resume once the server is back',
            },
          )
      },
      async revoke() {
        return undefined
      },
      async abort(ctx) {
        if (ctx.current !== undefined && (await canLogin(role, ctx.pending)))
          await setPassword(role, ctx.current, ctx.pending)
      },
    }
  }
  const roles = config.roles
  return {
    async plan() {
      const active = config.active ?? roles[0]
      const target = active === roles[0] ? roles[1] : roles[0]
      return { role: target, previousRole: active }
    },
    async apply(ctx) {
      const role = ctx.job.role!
      if (await canLogin(role, ctx.pending)) return `${role} already logs in with the new password`
      await setPassword(role, ctx.pending)
      return `${role} (inactive) has the new password`
    },
    async test(ctx) {
      if (!(await canLogin(ctx.job.role!, ctx.pending)))
        throw new HushError(
          'HUSH_E_IO',
          `postgres rotator ${config.name}: ${ctx.job.role} cannot log in with the new password`,
          {
            hint: 'the job is kept; fix the server and run hush rotate --resume, or --abort',
          },
        )
    },
    promoted(ctx) {
      return { [config.activeEntry!]: ctx.job.role! }
    },
    async revoke(ctx) {
      const old = ctx.job.previousRole!
      await setPassword(old, randomBytes(32).toString('base64url'))
      return `${old} re-randomised: the old credential no longer works`
    },
    async abort(ctx) {
      if (await canLogin(ctx.job.role!, ctx.pending))
        await setPassword(ctx.job.role!, randomBytes(32).toString('base64url'))
    },
  }
}
