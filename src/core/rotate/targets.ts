/**
 * Where a rotation sends values beyond the environment's own store: its distribution target (a
 * swarm, whose services roll) and its `distribute_to` mirrors. All writes go through the one
 * distribution module, so a resumed step writes nothing twice. After the own target changes, the
 * compose overrides hush wrote for the environment are rewritten to name its versions.
 */
import type { RollEvent, WriteEntry } from '../../stores/types.js'
import { type Endpoint, sync } from '../distribute/distribute.js'
import { refreshOverrides } from '../export/overrides.js'
import { sinkNamesOf, sourceOfEntry } from '../manifest/rules.js'
import type { Project } from '../project.js'

export class RotationTargets {
  /** the environment's own distribution target (its swarm), if any */
  readonly own: Endpoint | undefined
  readonly mirrors: Endpoint[]

  constructor(
    private readonly project: Project,
    /** hears how the swarm's services roll */
    private readonly progress?: (event: RollEvent) => void,
  ) {
    const env = project.environment
    this.own = project.target ? { env: env.name, store: project.target } : undefined
    this.mirrors = sinkNamesOf(env).map((name) => ({
      env: name,
      store: project.storeFor(project.manifest.environments.get(name)!),
    }))
  }

  get any(): boolean {
    return this.own !== undefined || this.mirrors.length > 0
  }

  entriesOf(values: Readonly<Record<string, string>>): WriteEntry[] {
    const at = this.project.world.now().toISOString()
    return Object.entries(values).map(([name, value]) => ({
      name,
      value,
      meta: {
        fingerprint: this.project.fingerprint(value),
        source: sourceOfEntry(this.project.manifest, name),
        at,
        rotated: true,
      },
    }))
  }

  /**
   * Send values: to the own target unless `mirrorsOnly`, to every mirror (staged where it can, with
   * `stage`), and with `stage` to the environment's own store too when it stages (AWSPENDING).
   */
  async send(
    values: Readonly<Record<string, string>>,
    options: {
      readonly stage?: boolean
      readonly mirrorsOnly?: boolean
      /** a mirror that fails is passed here instead of failing the call (abort: restore what can be) */
      readonly tolerate?: (mirror: string, err: unknown) => void
    } = {},
  ): Promise<string | undefined> {
    const entries = this.entriesOf(values)
    const { project } = this
    const self = { env: project.environment.name, store: project.store }
    const to = [
      ...(this.own && !options.mirrorsOnly ? [this.own] : []),
      ...this.mirrors,
      ...(options.stage && project.store.capabilities.stage ? [self] : []),
    ]
    const notes: string[] = []
    const progress = this.progress ? { progress: this.progress } : {}
    for (const target of to) {
      try {
        notes.push(await sync(target, entries, { stage: options.stage === true, ...progress }))
      } catch (err) {
        if (!options.tolerate || !this.mirrors.includes(target)) throw err
        options.tolerate(target.env, err)
        notes.push(`${target.env}: unreachable, recorded for repair (hush push repairs it)`)
      }
    }
    // the overrides name what the services now mount: the values just sent, before the store holds them
    const sent = new Map(entries.map((e) => [e.name, e.meta.fingerprint]))
    if (this.own && !options.mirrorsOnly)
      notes.push(
        // an abort (tolerate) must end even when an override cannot be rewritten: it says so instead
        (await refreshOverrides(project, sent).catch((err: unknown) => {
          if (!options.tolerate) throw err
          return `not rewritten: ${(err as Error).message}`
        })) ?? '',
      )
    return notes.filter(Boolean).join('; ') || undefined
  }

  /** End what a rotation staged beside the current values (AWSPENDING): in the own store and each mirror. */
  async unstage(entries: readonly string[], tolerate: (mirror: string, err: unknown) => void): Promise<void> {
    await this.project.store.unstage?.(entries)
    for (const mirror of this.mirrors)
      await mirror.store.unstage?.(entries).catch((err: unknown) => tolerate(mirror.env, err))
  }

  /** Delete the own target's versions of these entries other than the kept fingerprints that nothing uses. */
  async dropStale(
    values: Readonly<Record<string, string>>,
    options: { readonly rewrite?: boolean } = {},
  ): Promise<string | undefined> {
    const store = this.own?.store
    if (!store?.dropStale) return undefined
    const keep = new Map(Object.entries(values).map(([entry, v]) => [entry, this.project.fingerprint(v)]))
    const dropped = await store.dropStale(keep)
    // even when nothing was dropped: a resumed step whose earlier rewrite failed gets it done now
    const rewritten = options.rewrite === false ? undefined : await refreshOverrides(this.project, keep)
    return (
      [
        ...(dropped.length > 0 ? [`removed ${dropped.join(', ')}`] : []),
        ...(rewritten ? [rewritten] : []),
      ].join('; ') || undefined
    )
  }
}
