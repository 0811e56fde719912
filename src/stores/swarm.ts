/**
 * Docker Swarm's Raft-replicated secret store, over the Engine API. Swarm
 * secrets are immutable and never readable back, so each value is a versioned
 * object `<prefix>_<entry>_v<N>` labelled with hush.project / hush.secret /
 * hush.version / hush.fingerprint; writes compare fingerprints and create the
 * next version only when the value changed. `read` cannot return values.
 */
import { mapLimit } from '../lib/concurrency.js'
import type { Engine } from '../lib/docker.js'
import { HushError } from '../lib/errors.js'
import { assertMemberName } from '../lib/names.js'
import type { SecretValue, Store, StoredSecret, WriteEntry, WriteMeta } from './types.js'

/** Requests in flight at once: enough to be quick, few enough not to swamp a Raft leader. */
export const ENGINE_CONCURRENCY = 8

/** One version of one entry, as the engine holds it. */
export interface SwarmVersion {
  readonly id: string
  /** the swarm object name, `<prefix>_<entry>_v<N>` */
  readonly objectName: string
  readonly entry: string
  readonly version: number
  readonly fingerprint: string
  readonly labels: Readonly<Record<string, string>>
}

/** A service's reference to a secret, as in its spec. */
export interface ServiceSecretRef {
  SecretID: string
  SecretName: string
  File?: { Name: string; UID?: string; GID?: string; Mode?: number }
}

export interface SwarmService {
  ID: string
  Version: { Index: number }
  Spec: {
    Name: string
    Labels?: Record<string, string>
    TaskTemplate: { ContainerSpec?: { Secrets?: ServiceSecretRef[] } } & Record<string, unknown>
  } & Record<string, unknown>
  UpdateStatus?: { State?: string; Message?: string }
}

interface EngineSecret {
  ID: string
  Spec: { Name: string; Labels?: Record<string, string> }
}

const MAX_NAME = 64

export class SwarmStore implements Store {
  readonly kind = 'swarm'
  readonly capabilities = { localFiles: false, readsValues: false }
  readonly location: string

  constructor(
    readonly engine: Engine,
    /** the object-name prefix and hush.project label (the project's name unless the environment sets `prefix`) */
    readonly prefix: string,
  ) {
    this.location = `swarm ${engine.where} (${prefix}_*)`
  }

  objectName(entry: string, version: number): string {
    const name = `${this.prefix}_${entry}_v${version}`
    if (name.length > MAX_NAME)
      throw new HushError(
        'HUSH_E_UNSAFE_NAME',
        `swarm secret name ${name} is longer than ${MAX_NAME} characters`,
        {
          hint: 'set a shorter prefix: on the environment (environments.<env>.prefix) or a shorter secret name',
        },
      )
    return name
  }

  /** Every version of every entry this prefix owns, oldest first. */
  async versions(): Promise<SwarmVersion[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`hush.project=${this.prefix}`] }))
    const { body } = await this.engine.call<EngineSecret[]>('GET', `/secrets?filters=${filters}`)
    return body
      .map((s) => {
        const labels = s.Spec.Labels ?? {}
        return {
          id: s.ID,
          objectName: s.Spec.Name,
          entry: labels['hush.secret'] ?? '',
          version: Number(labels['hush.version'] ?? 0),
          fingerprint: labels['hush.fingerprint'] ?? '',
          labels,
        }
      })
      .filter((v) => v.entry !== '' && v.labels['hush.project'] === this.prefix)
      .sort((a, b) => a.entry.localeCompare(b.entry) || a.version - b.version)
  }

  /** The newest version of each entry. */
  async latest(): Promise<Map<string, SwarmVersion>> {
    const out = new Map<string, SwarmVersion>()
    for (const v of await this.versions()) out.set(v.entry, v) // sorted: the last one wins
    return out
  }

  async services(): Promise<SwarmService[]> {
    return (await this.engine.call<SwarmService[]>('GET', '/services')).body
  }

  private toStored(v: SwarmVersion): StoredSecret {
    const l = v.labels
    return {
      name: v.entry,
      version: v.version,
      fingerprint: v.fingerprint,
      createdAt: l['hush.created'] ?? '',
      updatedAt: l['hush.at'] ?? '',
      ...(l['hush.rotated'] ? { rotatedAt: l['hush.rotated'] } : {}),
      ...(l['hush.source'] ? { source: l['hush.source'] as StoredSecret['source'] } : {}),
    }
  }

  async list(): Promise<StoredSecret[]> {
    return [...(await this.latest()).values()].map((v) => this.toStored(v))
  }

  /** Swarm never returns a secret's value (only a task that mounts it can read it). */
  async read(name: string): Promise<SecretValue | undefined> {
    assertMemberName(name)
    return undefined
  }

  async write(name: string, value: SecretValue, meta: WriteMeta): Promise<StoredSecret> {
    assertMemberName(name)
    const previous = (await this.versions()).filter((v) => v.entry === name).at(-1)
    return this.toStored(await this.create(name, value, meta, previous))
  }

  /** Create the next version unless the newest already holds this fingerprint. */
  async create(
    name: string,
    value: SecretValue,
    meta: WriteMeta,
    previous: SwarmVersion | undefined,
  ): Promise<SwarmVersion> {
    if (previous?.fingerprint === meta.fingerprint) return previous
    const version = (previous?.version ?? 0) + 1
    const objectName = this.objectName(name, version)
    const rotated = meta.rotated ? meta.at : previous?.labels['hush.rotated']
    const labels: Record<string, string> = {
      'hush.project': this.prefix,
      'hush.secret': name,
      'hush.version': String(version),
      'hush.fingerprint': meta.fingerprint,
      'hush.source': meta.source,
      'hush.created': previous?.labels['hush.created'] ?? meta.at,
      'hush.at': meta.at,
      ...(rotated ? { 'hush.rotated': rotated } : {}),
    }
    const { body } = await this.engine.call<{ ID: string }>(
      'POST',
      '/secrets/create',
      { Name: objectName, Labels: labels, Data: Buffer.from(value, 'utf8').toString('base64') },
      [201],
    )
    return { id: body.ID, objectName, entry: name, version, fingerprint: meta.fingerprint, labels }
  }

  async writeMany(entries: readonly WriteEntry[]): Promise<StoredSecret[]> {
    for (const e of entries) assertMemberName(e.name)
    const latest = await this.latest()
    return mapLimit(entries, ENGINE_CONCURRENCY, async (e) =>
      this.toStored(await this.create(e.name, e.value, e.meta, latest.get(e.name))),
    )
  }

  /** Remove every version of an entry; refused while a service mounts one. */
  async remove(name: string): Promise<void> {
    assertMemberName(name)
    const versions = (await this.versions()).filter((v) => v.entry === name)
    await this.removeVersions(versions)
  }

  /** Delete these versions; those a service still mounts are refused with HUSH_E_IN_USE. */
  async removeVersions(versions: readonly SwarmVersion[]): Promise<void> {
    if (versions.length === 0) return
    const users = usersOf(await this.services())
    const busy = versions.filter((v) => users.has(v.id))
    if (busy.length > 0)
      throw new HushError(
        'HUSH_E_IN_USE',
        `${busy.map((v) => `${v.objectName} (used by ${[...users.get(v.id)!].join(', ')})`).join('; ')} cannot be removed`,
        { hint: 'update or remove the services first; `hush push` moves them to the newest version' },
      )
    await mapLimit(versions, ENGINE_CONCURRENCY, (v) =>
      this.engine.call('DELETE', `/secrets/${v.id}`, undefined, [200, 204, 404]),
    )
  }
}

/** Secret id → names of the services that mount it. */
export function usersOf(services: readonly SwarmService[]): Map<string, Set<string>> {
  const users = new Map<string, Set<string>>()
  for (const s of services)
    for (const ref of s.Spec.TaskTemplate.ContainerSpec?.Secrets ?? []) {
      const set = users.get(ref.SecretID) ?? new Set<string>()
      set.add(s.Spec.Name)
      users.set(ref.SecretID, set)
    }
  return users
}
