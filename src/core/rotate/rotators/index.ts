/** The rotator a secret names with `rotate.via`, configured from `rotators:` in hush.yaml. */
import { HushError } from '../../../lib/errors.js'
import type { SecretSpec } from '../../manifest/types.js'
import type { Project } from '../../project.js'
import type { Rotator } from './types.js'

const SUPPORTED = ['redis', 'postgres'] as const

export function assertRotatable(project: Project, spec: SecretSpec): void {
  const via = spec.rotation?.via
  if (!via) return
  const type = String(project.manifest.rotators[via]?.type)
  if (!(SUPPORTED as readonly string[]).includes(type))
    throw new HushError(
      'HUSH_E_STORE_UNSUPPORTED',
      `${spec.name} rotates via ${via} (type ${type}), which this version cannot drive yet`,
      {
        hint: `supported rotator types: ${SUPPORTED.join(', ')}`,
      },
    )
}

export async function rotatorFor(project: Project, spec: SecretSpec): Promise<Rotator | undefined> {
  const via = spec.rotation?.via
  if (!via) return undefined
  const raw = project.manifest.rotators[via]!
  const str = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined)
  const adminSecret = str('admin')
  const adminPassword = adminSecret ? await project.store.read(adminSecret) : undefined
  if (adminSecret && adminPassword === undefined)
    throw new HushError('HUSH_E_SECRETS', `rotator ${via} needs ${adminSecret}, which has no value`, {
      hint: `hush set ${adminSecret}`,
    })
  const common = {
    name: via,
    ...(str('host') ? { host: str('host')! } : {}),
    ...(typeof raw.port === 'number' ? { port: raw.port } : {}),
    ...(str('admin_user') ? { adminUser: str('admin_user')! } : {}),
    ...(adminPassword !== undefined ? { adminPassword } : {}),
  }
  if (raw.type === 'postgres') {
    const { postgresRotator } = await import('./postgres.js')
    const activeRole = spec.activeRole
    return postgresRotator({
      ...common,
      ...(str('database') ? { database: str('database')! } : {}),
      ...(activeRole
        ? {
            roles: activeRole.roles,
            activeEntry: activeRole.entry,
            active: await project.store.read(activeRole.entry),
          }
        : { role: str('role') ?? '' }),
    })
  }
  const { redisRotator } = await import('./redis.js')
  const mode = str('mode') === 'requirepass' ? 'requirepass' : 'acl'
  const user = str('user')
  if (!user && mode === 'acl')
    throw new HushError(
      'HUSH_E_MANIFEST_INVALID',
      `rotators.${via}.user: the redis ACL user to rotate is required`,
      {
        hint: 'or set mode: requirepass to rotate the server password (with --allow-downtime)',
      },
    )
  return redisRotator({ ...common, mode, user: user ?? 'default' })
}
