/**
 * Docker Swarm's Raft-replicated secret store, over the Engine API. Swarm
 * secrets are immutable and never readable back, so each value is a versioned
 * object `<prefix>_<entry>_v<N>` labelled with hush.project / hush.secret /
 * hush.version / hush.fingerprint; writes compare fingerprints and create the
 * next version only when the value changed. `read` cannot return values.
 */
import { mapLimit } from '../lib/concurrency.js'
import { Engine, engineEndpoint } from '../lib/docker.js'
import { durationMs } from '../lib/duration.js'
import { HushError } from '../lib/errors.js'
import { assertMemberName } from '../lib/names.js'
import { capabilities } from './capabilities.js'
import { filesStore } from './files.js'
import { duration, option, prefix } from './settings.js'
import { ENGINE_CONCURRENCY, type SwarmService, type SwarmVersion, usersOf } from './swarm-objects.js'
import { hostNetworksOf, restartOf } from './swarm-order.js'
import { dropStale, rollOut } from './swarm-rollout.js'
import type {
  ConsumerRestart,
  PruneItem,
  RollEvent,
  RollReport,
  SecretValue,
  Store,
  StoreDescriptor,
  StoredSecret,
  WriteEntry,
  WriteMeta,
} from './types.js'

interface EngineSecret {
  ID: string
  Spec: { Name: string; Labels?: Record<string, string> }
}

const MAX_NAME = 64

const CAPABILITIES = capabilities({ returnsValues: false, versioned: true, rollsConsumers: true })

const DEFAULT_CONVERGE_MS = 5 * 60_000

export class SwarmStore implements Store {
  readonly kind = 'swarm'
  readonly capabilities = CAPABILITIES
  readonly location: string

  constructor(
    readonly engine: Engine,
    /** the object-name prefix and hush.project label (the project's name unless the environment sets `prefix`) */
    readonly prefix: string,
    /** how long a service update may take before hush rolls it back */
    readonly convergeTimeoutMs = DEFAULT_CONVERGE_MS,
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

  /** Put the values in (a version per new fingerprint) and move every service that mounts an older version onto them. */
  roll(entries: readonly WriteEntry[], progress?: (event: RollEvent) => void): Promise<RollReport> {
    return rollOut(this, entries, { timeoutMs: this.convergeTimeoutMs, ...(progress ? { progress } : {}) })
  }

  /** The services that mount any version of these entries, and the order hush's update of each runs in. */
  async restarts(entries: readonly string[]): Promise<ConsumerRestart[]> {
    const wanted = new Set(entries)
    const entryOf = new Map((await this.versions()).map((v) => [v.id, v.entry]))
    const mounting = (await this.services()).flatMap((service) => {
      const refs = service.Spec.TaskTemplate.ContainerSpec?.Secrets ?? []
      const mine = new Set(refs.map((r) => entryOf.get(r.SecretID) ?? '').filter((e) => wanted.has(e)))
      return mine.size > 0 ? [{ service, mine: [...mine].sort() }] : []
    })
    const host = await hostNetworksOf(
      this.engine,
      mounting.map((m) => m.service),
    )
    return mounting
      .map(({ service, mine }) => ({
        service: service.Spec.Name,
        ...restartOf(service.Spec, host),
        entries: mine,
      }))
      .sort((a, b) => a.service.localeCompare(b.service))
  }

  /** Delete the versions of these entries that do not hold the kept fingerprint and that no service mounts. */
  dropStale(keep: ReadonlyMap<string, string>): Promise<string[]> {
    return dropStale(this, keep)
  }

  async planPrune(
    declared: ReadonlySet<string>,
    keep: ReadonlyMap<string, string>,
    held: ReadonlySet<string>,
  ): Promise<{ items: PruneItem[]; apply(): Promise<void> }> {
    const mounted = usersOf(await this.services())
    const items: PruneItem[] = []
    const drop: SwarmVersion[] = []
    for (const v of await this.versions()) {
      const undeclared = !declared.has(v.entry)
      const stale = keep.has(v.entry) && keep.get(v.entry) !== v.fingerprint && !held.has(v.entry)
      if (!undeclared && !stale) continue
      const users = mounted.get(v.id)
      const reason = undeclared ? 'not in hush.yaml' : 'superseded'
      items.push({ entry: v.entry, object: v.objectName, reason, ...(users ? { usedBy: [...users] } : {}) })
      if (!users) drop.push(v)
    }
    return { items, apply: () => this.removeVersions(drop) }
  }

  /**
   * What is wrong with the consumers: services mounting versions that no longer exist, this
   * project's services lacking an entry they should consume (`expected`: service → entries), and
   * secret names other files reference (`referenced`: file → names) that the swarm does not hold.
   */
  async consumerProblems(
    expected: ReadonlyMap<string, readonly string[]>,
    referenced: ReadonlyMap<string, readonly string[]>,
  ): Promise<{ consumers: number; problems: string[] }> {
    const [services, all] = await Promise.all([
      this.services(),
      this.engine.call<{ ID: string; Spec: { Name: string } }[]>('GET', '/secrets').then((r) => r.body),
    ])
    const ids = new Set(all.map((s) => s.ID))
    const names = new Set(all.map((s) => s.Spec.Name))
    const problems: string[] = []
    const refsOf = (s: SwarmService) => s.Spec.TaskTemplate.ContainerSpec?.Secrets ?? []
    for (const s of services)
      for (const ref of refsOf(s))
        if (!ids.has(ref.SecretID))
          problems.push(`service ${s.Spec.Name} mounts ${ref.SecretName}, which no longer exists`)
    // a service is this project's when it mounts one of its versions (a shared swarm runs other projects' too)
    const ours = new Set((await this.versions()).map((v) => v.id))
    const mine = services.filter((s) => refsOf(s).some((r) => ours.has(r.SecretID)))
    for (const [name, entries] of expected)
      for (const s of mine.filter((s) => s.Spec.Name === name || s.Spec.Name.endsWith(`_${name}`))) {
        const mounted = new Set(refsOf(s).map((r) => r.File?.Name))
        const lacking = entries.filter((e) => !mounted.has(e))
        if (lacking.length > 0)
          problems.push(
            `service ${s.Spec.Name} does not mount ${lacking.join(', ')} (hush.yaml services.${name})`,
          )
      }
    for (const [file, wanted] of referenced) {
      const absent = wanted.filter((n) => !names.has(n))
      if (absent.length > 0)
        problems.push(`${file} names swarm secrets that do not exist: ${absent.join(', ')}`)
    }
    return { consumers: services.length, problems }
  }

  /** The object each entry is (or will be) at: the version holding its fingerprint, or the next one. */
  async places(
    entries: readonly { readonly name: string; readonly fingerprint: string }[],
  ): Promise<Map<string, { object: string; existing: boolean }>> {
    const versions = await this.versions()
    const out = new Map<string, { object: string; existing: boolean }>()
    for (const e of entries) {
      const mine = versions.filter((v) => v.entry === e.name)
      const same = mine.find((v) => v.fingerprint === e.fingerprint)
      const last = mine.at(-1)
      out.set(e.name, {
        object: same?.objectName ?? this.objectName(e.name, (last?.version ?? 0) + 1),
        existing: same !== undefined && last?.fingerprint !== e.fingerprint,
      })
    }
    return out
  }
}

/**
 * A swarm environment keeps its values in a local files store (its record: Swarm never returns a
 * value, and derived secrets and key rings need them) and distributes them to the swarm.
 */
export const swarmStore: StoreDescriptor = {
  ...filesStore,
  kind: 'swarm',
  summary: 'Docker Swarm secrets <prefix>_<entry>_v<N>; values recorded in a local files store',
  settings: {
    path: filesStore.settings.path!,
    prefix: prefix.describe(
      'the secret-name prefix and hush.project label (default: the project name; no "/")',
    ),
    converge_timeout: duration.describe(
      'how long a service update may take before hush rolls it back (default 5m)',
    ),
  },
  target(settings, context) {
    const timeout = option(settings, 'converge_timeout')
    return new SwarmStore(
      new Engine(engineEndpoint(context.processEnv)),
      option(settings, 'prefix') ?? context.project,
      timeout ? durationMs(timeout) : DEFAULT_CONVERGE_MS,
    )
  },
}
