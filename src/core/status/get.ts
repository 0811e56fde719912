/** `hush get`: one secret's metadata; its value only when asked, and then audited. */
import { HushError } from '../../lib/errors.js'
import { envNameOf } from '../../lib/names.js'
import { membersOf, primaryMember } from '../manifest/members.js'
import { ownerOfEntry } from '../manifest/rules.js'
import type { SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { type StatusRow, statusOf } from './status.js'

export interface SecretInfo extends StatusRow {
  readonly entry: string
  readonly env: string
  readonly store: string
  readonly description?: string
  readonly envName: string
  readonly createdAt?: string
  readonly updatedAt?: string
  readonly rotatedAt?: string
}

/** The secret owning a store entry name (`jwt_secret_previous` → `jwt_secret`). */
function resolveEntry(project: Project, name: string): SecretSpec {
  const { manifest } = project
  const spec = manifest.byName.get(name) ?? ownerOfEntry(manifest, name)
  if (!spec)
    throw new HushError('HUSH_E_UNKNOWN_SECRET', `secret "${name}" is not declared in ${manifest.file}`, {
      hint: 'run `hush status` to list the secrets',
    })
  return spec
}

function entryOf(spec: SecretSpec, name: string): string {
  const members = membersOf(spec)
  return members.some((m) => m.name === name) ? name : members[0]!.name
}

export async function describeSecret(project: Project, name: string): Promise<SecretInfo> {
  const spec = resolveEntry(project, name)
  const entry = entryOf(spec, name)
  const meta = (await project.store.list()).find((m) => m.name === entry)
  const env = project.environment.name
  return {
    ...statusOf(spec, meta, env, project.world.now()),
    entry,
    env,
    store: `${project.environment.store} ${project.store.location}`,
    envName: entry === spec.name || entry === primaryMember(spec) ? spec.env : envNameOf(entry),
    ...(spec.description ? { description: spec.description } : {}),
    ...(meta ? { createdAt: meta.createdAt, updatedAt: meta.updatedAt, rotatedAt: meta.rotatedAt } : {}),
  }
}

/** The value of an entry; the read is recorded in the audit log. */
export async function revealSecret(project: Project, name: string): Promise<string> {
  const spec = resolveEntry(project, name)
  const entry = entryOf(spec, name)
  const value = await project.store.read(entry)
  const env = project.environment.name
  if (value === undefined)
    throw new HushError('HUSH_E_UNKNOWN_SECRET', `${entry} has no value in ${env}`, {
      hint: spec.source === 'provided' ? `hush set ${spec.name}` : 'hush gen',
    })
  const at = project.world.now().toISOString()
  await project.audit.append(
    [{ action: 'reveal', secret: entry, env, fp: project.fingerprint(value) }],
    project.actor,
    at,
  )
  return value
}
