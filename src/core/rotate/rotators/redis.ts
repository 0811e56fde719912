/**
 * Redis ACL users hold several passwords: `ACL SETUSER u >new` adds the new one
 * (both work during the grace window), `ACL SETUSER u <old` retires the old
 * one; each change is persisted with ACL SAVE (aclfile) or CONFIG REWRITE.
 * Values travel only inside commands on the connection, never in messages.
 */
import type { Redis as RedisClient } from 'ioredis'
import { HushError } from '../../../lib/errors.js'
import { loadSdk } from '../../../lib/optional-sdk.js'
import type { RotationContext, Rotator } from './types.js'

export interface RedisRotatorConfig {
  readonly name: string
  /** `acl` (default): an ACL user with two passwords; `requirepass`: the one server password (downtime) */
  readonly mode?: 'acl' | 'requirepass'
  readonly host?: string
  readonly port?: number
  readonly user: string
  /** admin credentials; without them hush acts as the rotated user itself (it needs +acl) */
  readonly adminUser?: string
  readonly adminPassword?: string
}

async function connect(
  config: RedisRotatorConfig,
  username: string,
  password: string | undefined,
): Promise<RedisClient> {
  const { Redis } = await loadSdk(() => import('ioredis'), 'ioredis', 'the redis rotator')
  const client = new Redis({
    host: config.host ?? '127.0.0.1',
    port: config.port ?? 6379,
    username,
    ...(password !== undefined ? { password } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  })
  client.on('error', () => {}) // reported through the awaited calls
  await client.connect()
  return client
}

async function canLogin(config: RedisRotatorConfig, password: string): Promise<boolean> {
  try {
    const c = await connect(config, config.user, password)
    await c.ping()
    c.disconnect()
    return true
  } catch {
    return false
  }
}

function failure(config: RedisRotatorConfig, what: string, err: unknown): HushError {
  // ioredis messages name the command, never its arguments; keep only the code-ish first word
  const reason = String((err as Error)?.message ?? err).split(/\s/)[0]
  return new HushError('HUSH_E_IO', `redis rotator ${config.name}: ${what} failed (${reason})`, {
    hint: `check that ${config.host ?? '127.0.0.1'}:${config.port ?? 6379} is up and that the admin credentials may run ACL SETUSER`,
  })
}

/** `requirepass`: one password for the whole server, so the old one dies the moment the new one is set. */
function requirepassRotator(config: RedisRotatorConfig): Rotator {
  const login = (password: string) => canLogin({ ...config, user: 'default' }, password)
  const setPassword = async (auth: string | undefined, password: string): Promise<string> => {
    let client: RedisClient | undefined
    try {
      client = await connect(config, 'default', auth)
      await client.call('CONFIG', 'SET', 'requirepass', password)
      try {
        await client.call('CONFIG', 'REWRITE')
        return 'persisted with CONFIG REWRITE'
      } catch {
        return 'not persisted: the server has no config file'
      }
    } catch (err) {
      throw failure(config, 'CONFIG SET requirepass', err)
    } finally {
      client?.disconnect()
    }
  }
  return {
    singleCredential: true,
    async apply(ctx) {
      if (await login(ctx.pending)) return 'the new password already works'
      return setPassword(ctx.current, ctx.pending)
    },
    async test(ctx) {
      if (!(await login(ctx.pending)))
        throw new HushError(
          'HUSH_E_IO',
          `redis rotator ${config.name}: the server refuses the new requirepass`,
          {
            hint: 'run hush rotate --resume once the server is back',
          },
        )
    },
    async revoke() {
      return undefined // the old password died at APPLIED
    },
    async abort(ctx) {
      if (ctx.current !== undefined && (await login(ctx.pending))) await setPassword(ctx.pending, ctx.current)
    },
  }
}

export function redisRotator(config: RedisRotatorConfig): Rotator {
  if (config.mode === 'requirepass') return requirepassRotator(config)
  const admin = async (ctx: RotationContext) =>
    config.adminPassword !== undefined || config.adminUser !== undefined
      ? connect(config, config.adminUser ?? 'default', config.adminPassword)
      : connect(config, config.user, ctx.current)
  const change = async (ctx: RotationContext, rule: string): Promise<string> => {
    let client: RedisClient | undefined
    try {
      client = await admin(ctx)
      await client.call('ACL', 'SETUSER', config.user, 'on', rule)
      // persist: ACL SAVE when the server uses an aclfile, else CONFIG REWRITE
      for (const cmd of [
        ['ACL', 'SAVE'],
        ['CONFIG', 'REWRITE'],
      ]) {
        try {
          await client.call(cmd[0]!, ...cmd.slice(1))
          return `persisted with ${cmd.join(' ')}`
        } catch {}
      }
      return 'not persisted: the server has neither an aclfile nor a config file'
    } catch (err) {
      throw failure(config, `ACL SETUSER ${config.user}`, err)
    } finally {
      client?.disconnect()
    }
  }
  return {
    async apply(ctx) {
      if (await canLogin(config, ctx.pending)) return 'the new password already works'
      return change(ctx, `>${ctx.pending}`)
    },
    async test(ctx) {
      if (!(await canLogin(config, ctx.pending)))
        throw new HushError(
          'HUSH_E_IO',
          `redis rotator ${config.name}: ${config.user} cannot log in with the new password`,
          {
            hint: 'the job is kept; fix the server and run hush rotate --resume, or --abort',
          },
        )
    },
    async revoke(ctx) {
      if (ctx.current === undefined || ctx.current === ctx.pending || !(await canLogin(config, ctx.current)))
        return undefined
      return change({ ...ctx, current: ctx.pending }, `<${ctx.current}`)
    },
    async abort(ctx) {
      if (ctx.pending !== ctx.current && (await canLogin(config, ctx.pending)))
        await change(ctx, `<${ctx.pending}`)
    },
  }
}
