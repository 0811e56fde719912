/**
 * The rotation state machine (ROTATION.md):
 * PLANNED → GENERATED → APPLIED → VERIFIED → DISTRIBUTED → PROMOTED → GRACE → REVOKED.
 * Each step is journaled after its side effect and probes before acting, so a
 * job killed at any point resumes with the same pending value and never
 * applies twice. One job per secret at a time (a per-secret lock file).
 *
 * Strategies on local stores (files, dotenv):
 * - replace: the new value becomes current at PROMOTED (derived secrets follow).
 * - keyring: APPLIED puts the new key in `<name>_previous` (verify set = old
 *   primary + new), PROMOTED makes it primary and the old primary previous,
 *   REVOKED (after `grace`) drops the old key.
 *
 * A swarm environment's local store is its record; the swarm is a sink kept in
 * step: a key ring's new verify set is distributed at APPLIED, the promoted
 * values (and derived secrets that follow) at DISTRIBUTED, the final verify set
 * at REVOKED, where versions no service mounts any more are deleted. Each
 * distribution moves the services that mount the entries and waits for them.
 */
import { join } from 'node:path'
import { HushError } from '../../lib/errors.js'
import { ensurePrivateDir, readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'
import { acquireLock } from '../../lib/lock.js'
import type { Store, WriteEntry } from '../../stores/types.js'
import { renderTemplate } from '../generate/derive.js'
import { gen } from '../generate/gen.js'
import { generate } from '../generate/generators.js'
import { isKeyring, primaryMember } from '../manifest/members.js'
import { sinkNamesOf } from '../manifest/rules.js'
import type { SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { distribute, dropStale } from '../swarm/distribute.js'
import { convergeTimeoutMs, swarmOf } from '../swarm/target.js'
import { isOpen, type JobRecord, type JobState, Journal, lineOf, progressOf, stateOf } from './journal.js'
import { assertRotatable, rotatorFor } from './rotators/index.js'
import type { RotationContext, Rotator } from './rotators/types.js'

export interface StepReport {
  readonly state: JobState
  readonly note?: string
}

export interface RotateResult {
  readonly secret: string
  readonly env: string
  readonly job: string
  readonly state: JobState
  readonly steps: StepReport[]
  readonly fromFingerprint?: string
  readonly toFingerprint?: string
  readonly graceUntil?: string
}

export type RotateMode = 'start' | 'resume' | 'abort' | 'retire'

function rotatable(project: Project, name: string): SecretSpec {
  const spec = project.manifest.byName.get(name)
  if (!spec)
    throw new HushError(
      'HUSH_E_UNKNOWN_SECRET',
      `secret "${name}" is not declared in ${project.manifest.file}`,
      {
        hint: 'run `hush status` to list the secrets',
      },
    )
  if (spec.source === 'derived' || spec.source === 'fixed')
    throw new HushError(
      'HUSH_E_NOT_SETTABLE',
      `${name} is ${spec.source}; it changes when its inputs or the manifest do`,
      {
        hint:
          spec.source === 'derived'
            ? `rotate its inputs (${spec.inputs.join(', ')})`
            : 'edit value: in hush.yaml',
      },
    )
  if (spec.source === 'provided' || spec.rotation?.strategy === 'manual')
    throw new HushError(
      'HUSH_E_NOT_SETTABLE',
      `${name} is supplied by a person: hush cannot make a new one`,
      {
        hint: `issue a new credential at its provider, then \`hush set ${name}\` (that records the rotation)`,
      },
    )
  assertRotatable(project, spec)
  return spec
}

/**
 * A test-only failpoint: HUSH_FAILPOINT=<STATE> kills the process right after that state is
 * journaled; HUSH_FAILPOINT=before:<STATE> right before (its side effect done, not yet recorded).
 */
function failpoint(project: Project, point: string): void {
  if (project.world.env.HUSH_FAILPOINT === point) process.kill(process.pid, 'SIGKILL')
}

class Runner {
  readonly steps: StepReport[] = []
  private readonly journal: Journal
  private readonly env: string
  private readonly spec: SecretSpec

  constructor(
    private readonly project: Project,
    spec: SecretSpec,
    private job: JobRecord,
    private readonly rotator: Rotator | undefined,
  ) {
    this.journal = new Journal(project.stateDir)
    this.env = project.environment.name
    this.spec = spec
  }

  private entriesOf(values: Readonly<Record<string, string>>): WriteEntry[] {
    const at = this.now()
    return Object.entries(values).map(([name, value]) => ({
      name,
      value,
      meta: { fingerprint: this.project.fingerprint(value), source: 'generated' as const, at, rotated: true },
    }))
  }

  /** Put these entries into the environment's swarm and move its services onto them (no-op for other envs). */
  private async toSwarm(entries: readonly WriteEntry[]): Promise<string | undefined> {
    if (this.project.environment.store !== 'swarm') return undefined
    const report = await distribute(swarmOf(this.project), entries, {
      timeoutMs: convergeTimeoutMs(this.project.environment),
    })
    return `swarm: ${report.created.length} new version(s)${report.services.length > 0 ? `, services ${report.services.join(', ')} updated` : ', no service mounts them'}`
  }

  /**
   * Write the entries a store does not hold yet (by fingerprint), so a resumed step writes nothing
   * twice; with `stage`, a store that can (AWS) keeps them beside the current values as AWSPENDING
   * until a plain write promotes them.
   */
  private async toStore(
    name: string,
    store: Store,
    entries: readonly WriteEntry[],
    stage: boolean,
  ): Promise<string> {
    const held = new Map((await store.list()).map((s) => [s.name, s.fingerprint]))
    const changed = entries.filter((e) => held.get(e.name) !== e.meta.fingerprint)
    const staging = stage && store.stage
    if (staging) for (const e of changed) await store.stage!(e.name, e.value, e.meta)
    else if (changed.length > 0) await store.writeMany(changed)
    return `${name}: ${changed.length} ${staging ? 'staged beside the current values (AWSPENDING)' : 'written'}`
  }

  /** The environments this one distributes to (`distribute_to`), with their stores. */
  private sinks(): { name: string; store: Store }[] {
    const { manifest } = this.project
    return sinkNamesOf(this.project.environment).map((name) => ({
      name,
      store: this.project.storeFor(manifest.environments.get(name)!),
    }))
  }

  /** Write these entries to the distribute_to stores (staged where they can, with `stage`). */
  private async toSinks(entries: readonly WriteEntry[], stage = false): Promise<string[]> {
    const notes: string[] = []
    for (const sink of this.sinks()) notes.push(await this.toStore(sink.name, sink.store, entries, stage))
    return notes
  }

  /** Everywhere the environment distributes to: its swarm and its distribute_to stores. */
  private async distribute(values: Readonly<Record<string, string>>): Promise<string | undefined> {
    const entries = this.entriesOf(values)
    const notes = [await this.toSwarm(entries), ...(await this.toSinks(entries))]
    return notes.filter(Boolean).join('; ') || undefined
  }

  /** The values the secret's entries (and derived secrets that read them) hold once `value` is promoted. */
  private async promotedValues(value: string): Promise<Record<string, string>> {
    const { spec, project } = this
    const current = await this.read(primaryMember(spec))
    const out: Record<string, string> = {}
    if (isKeyring(spec)) {
      out[`${spec.name}_previous`] = current ?? value
      out[`${spec.name}_primary`] = value
      if (spec.rotation?.mirror !== false) out[spec.name] = value
    } else out[spec.name] = value
    Object.assign(out, this.rotator?.promoted?.(this.ctx(value, current)) ?? {})
    // derived secrets follow, as gen recomputes them at PROMOTED
    const { manifest } = project
    for (const d of manifest.secrets) {
      if (d.source !== 'derived') continue
      const entryOf = (input: string) => {
        const dep = manifest.byName.get(input)
        return dep ? primaryMember(dep) : input
      }
      if (!d.inputs.some((i) => entryOf(i) in out)) continue
      const inputs = new Map<string, string | undefined>()
      for (const i of d.inputs) inputs.set(i, out[entryOf(i)] ?? (await this.read(entryOf(i))))
      out[d.name] = renderTemplate(d.name, d.template, (i) => inputs.get(i))
    }
    return out
  }

  /** What the local store holds now for the entries promotedValues touches. */
  private async localValues(value: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {}
    for (const entry of Object.keys(await this.promotedValues(value))) {
      const local = await this.read(entry)
      if (local !== undefined) out[entry] = local
    }
    return out
  }

  /** Local fingerprints of what promotedValues touches, for deleting the swarm versions nobody mounts. */
  private async dropStaleVersions(value: string): Promise<string | undefined> {
    if (this.project.environment.store !== 'swarm') return undefined
    const keep = new Map(
      Object.entries(await this.localValues(value)).map(([entry, v]) => [entry, this.project.fingerprint(v)]),
    )
    const dropped = await dropStale(swarmOf(this.project), keep)
    return dropped.length > 0 ? `removed ${dropped.join(', ')}` : undefined
  }

  private now(): string {
    return this.project.world.now().toISOString()
  }

  private async record(
    state: JobState,
    detail?: Record<string, string | number | boolean>,
    note?: string,
  ): Promise<void> {
    failpoint(this.project, `before:${state}`)
    const line = { state, at: this.now(), ...(detail ? { detail } : {}) }
    await this.journal.append(this.job, line)
    this.job = { ...this.job, lines: [...this.job.lines, line] }
    const fp = typeof detail?.to === 'string' ? detail.to : undefined
    await this.project.audit.append(
      [
        {
          action: 'rotate',
          secret: this.spec.name,
          env: this.env,
          detail: state.toLowerCase(),
          ...(fp ? { fp } : {}),
        },
      ],
      this.project.actor,
      line.at,
    )
    this.steps.push({ state, ...(note ? { note } : {}) })
    failpoint(this.project, state)
  }

  private read(entry: string): Promise<string | undefined> {
    return this.project.store.read(entry)
  }

  private async write(entry: string, value: string, rotated: boolean): Promise<void> {
    const fingerprint = this.project.fingerprint(value)
    await this.project.store.write(entry, value, {
      fingerprint,
      source: 'generated',
      at: this.now(),
      rotated,
    })
  }

  private async pending(): Promise<string> {
    const value = await this.journal.readPending(this.job)
    if (value === undefined)
      throw new HushError('HUSH_E_STORE_CORRUPT', `the pending value of job ${this.job.id} is missing`, {
        hint: `abort the job (hush rotate ${this.spec.name} --abort) and rotate again`,
      })
    return value
  }

  get current(): JobRecord {
    return this.job
  }

  /** Open the job: note the strategy and the current value's fingerprint. */
  async plan(): Promise<void> {
    const current = await this.read(primaryMember(this.spec))
    const strategy = isKeyring(this.spec) ? 'keyring' : 'replace'
    await this.record('PLANNED', {
      strategy,
      ...(current !== undefined ? { from: this.project.fingerprint(current) } : {}),
      ...(await this.rotator?.plan?.({ current })),
    })
  }

  /** What a rotator call sees: the values, and what its plan() decided when the job started. */
  private ctx(pending: string, current: string | undefined): RotationContext {
    const planned = lineOf(this.job, 'PLANNED')?.detail ?? {}
    const job = Object.fromEntries(Object.entries(planned).map(([k, v]) => [k, String(v)]))
    return { pending, current, job }
  }

  /** Run the next steps until the job waits (GRACE) or ends; a failing step is journaled as FAILED. */
  async advance(graceOverride?: number): Promise<void> {
    try {
      await this.runSteps(graceOverride)
    } catch (err) {
      const code = err instanceof HushError ? err.code : 'HUSH_E_INTERNAL'
      await this.record('FAILED', { step: progressOf(this.job), code })
      throw err
    }
  }

  private async runSteps(graceOverride?: number): Promise<void> {
    const { spec, project } = this
    const fp = project.fingerprint
    const keyring = isKeyring(spec)
    for (;;) {
      switch (progressOf(this.job)) {
        case 'PLANNED': {
          // reuse a pending value a killed run already stored; never regenerate
          const value =
            (await this.journal.readPending(this.job)) ??
            (spec.source === 'generated' ? generate(spec.generator).value : '')
          await this.journal.writePending(this.job, value)
          await this.record('GENERATED', { to: fp(value) })
          break
        }
        case 'GENERATED': {
          const value = await this.pending()
          // keyring: the new key joins the verify set before anyone signs with it
          if (keyring && (await this.read(`${spec.name}_previous`)) !== value)
            await this.write(`${spec.name}_previous`, value, false)
          const staged = keyring ? await this.distribute({ [`${spec.name}_previous`]: value }) : undefined
          // a server rotator makes the new credential valid beside the current one
          const applied = await this.rotator?.apply(this.ctx(value, await this.read(primaryMember(spec))))
          await this.record(
            'APPLIED',
            { to: fp(value) },
            keyring
              ? `${spec.name}_previous now verifies the new key${staged ? ` (${staged})` : ''}`
              : applied,
          )
          break
        }
        case 'APPLIED': {
          const value = await this.pending()
          if (keyring && (await this.read(`${spec.name}_previous`)) !== value)
            throw new HushError(
              'HUSH_E_IO',
              `${spec.name}_previous does not hold the new key after APPLIED`,
              {
                hint: `something else wrote it; run hush rotate ${spec.name} --resume`,
              },
            )
          await this.rotator?.test(this.ctx(value, undefined))
          await this.record(
            'VERIFIED',
            { to: fp(value) },
            this.rotator ? 'logged in with the new credential' : undefined,
          )
          break
        }
        case 'VERIFIED': {
          // a local store is its own sink (written at PROMOTED); the swarm and distribute_to get the
          // promoted values now, staged where the store can (AWSPENDING), as does a staging own store
          const entries = this.entriesOf(await this.promotedValues(await this.pending()))
          const notes = [
            await this.toSwarm(entries),
            ...(await this.toSinks(entries, true)),
            project.store.stage ? await this.toStore(this.env, project.store, entries, true) : undefined,
          ]
          const note = notes.filter(Boolean).join('; ')
          await this.record(
            'DISTRIBUTED',
            {
              sinks: [
                `${project.environment.store} ${project.store.location}`,
                ...sinkNamesOf(project.environment),
              ].join(', '),
            },
            note || undefined,
          )
          break
        }
        case 'DISTRIBUTED': {
          const value = await this.pending()
          const current = await this.read(primaryMember(spec))
          if (current !== value) {
            if (current !== undefined) await this.keepHistory(current)
            if (keyring) {
              // order matters: old primary → previous first, so the verify set never loses it
              await this.write(`${spec.name}_previous`, current ?? value, false)
              await this.write(`${spec.name}_primary`, value, true)
              if (spec.rotation?.mirror !== false) await this.write(spec.name, value, true)
            } else await this.write(spec.name, value, true)
          }
          // entries that flip with the value (the active database role), written after it
          for (const [entry, v] of Object.entries(this.rotator?.promoted?.(this.ctx(value, current)) ?? {}))
            if ((await this.read(entry)) !== v) await this.write(entry, v, false)
          const derived = (await gen(project, { names: [spec.name] })).rows.filter(
            (r) => r.secret !== spec.name && r.action === 'update',
          )
          // the stores of distribute_to follow: staged values become current (AWS moves AWSCURRENT)
          const promotedNote = (await this.toSinks(this.entriesOf(await this.localValues(value)))).join('; ')
          const graceMs = graceOverride ?? (keyring || this.rotator ? (spec.rotation?.graceMs ?? 0) : 0)
          const graceUntil = new Date(project.world.now().getTime() + graceMs).toISOString()
          await this.record(
            'PROMOTED',
            {
              to: fp(value),
              graceUntil,
              ...(lineOf(this.job, 'PLANNED')?.detail?.from
                ? { from: String(lineOf(this.job, 'PLANNED')!.detail!.from) }
                : {}),
            },
            [
              derived.length > 0 ? `recomputed ${derived.map((d) => d.entry).join(', ')}` : '',
              promotedNote ?? '',
            ]
              .filter(Boolean)
              .join('; ') || undefined,
          )
          break
        }
        case 'PROMOTED':
          await this.record('GRACE', {
            until: String(lineOf(this.job, 'PROMOTED')?.detail?.graceUntil ?? this.now()),
          })
          break
        case 'GRACE': {
          const until = Date.parse(String(lineOf(this.job, 'GRACE')?.detail?.until ?? 0))
          if (graceOverride === undefined && until > project.world.now().getTime()) return // still in the grace window
          const value = await this.pending()
          if (keyring && (await this.read(`${spec.name}_previous`)) !== value)
            await this.write(`${spec.name}_previous`, value, false)
          if (keyring) await this.distribute({ [`${spec.name}_previous`]: value })
          const revoked = await this.rotator?.revoke(this.ctx(value, await this.readHistory()))
          const dropped = await this.dropStaleVersions(value)
          await this.dropHistory()
          await this.journal.dropPending(this.job)
          await this.record(
            'REVOKED',
            { to: fp(value) },
            [keyring ? 'the old key no longer verifies' : revoked, dropped].filter(Boolean).join('; ') ||
              undefined,
          )
          return
        }
        default:
          return
      }
    }
  }

  private historyDir(): string {
    return join(this.project.stateDir, 'history', this.env, this.spec.name)
  }

  private async keepHistory(value: string): Promise<void> {
    await ensurePrivateDir(this.historyDir())
    await writeFileAtomic(join(this.historyDir(), this.job.id), value)
  }

  private async readHistory(): Promise<string | undefined> {
    return readIfExists(join(this.historyDir(), this.job.id))
  }

  private async dropHistory(): Promise<void> {
    const { rm } = await import('node:fs/promises')
    await rm(join(this.historyDir(), this.job.id), { force: true })
  }

  /** Undo what the job did before PROMOTED: the old value stays current, the new key leaves the verify set. */
  async abort(): Promise<void> {
    const state = progressOf(this.job)
    const promoted = this.job.lines.some((l) => l.state === 'PROMOTED')
    if (promoted)
      throw new HushError('HUSH_E_USAGE', `job ${this.job.id} is past PROMOTED: the new value is live`, {
        hint: `finish it with hush rotate ${this.spec.name} --retire, or rotate again`,
      })
    if (isKeyring(this.spec)) {
      const primary = await this.read(`${this.spec.name}_primary`)
      if (primary !== undefined && (await this.read(`${this.spec.name}_previous`)) !== primary)
        await this.write(`${this.spec.name}_previous`, primary, false)
    }
    const pending = await this.journal.readPending(this.job)
    if (pending !== undefined && (this.project.environment.store === 'swarm' || this.sinks().length > 0)) {
      // point the swarm's services and distribute_to back at the current values, then drop the swarm versions the job made
      await this.distribute(await this.localValues(pending))
      await this.dropStaleVersions(pending)
    }
    if (pending !== undefined)
      await this.rotator?.abort(this.ctx(pending, await this.read(primaryMember(this.spec))))
    await this.journal.dropPending(this.job)
    await this.record('ABORTED', { from: state })
  }
}

function newJobId(now: Date): string {
  return `${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${process.pid}`
}

/** Start, resume, abort or retire (end the grace window now) the rotation of one secret. */
export async function rotate(
  project: Project,
  name: string,
  mode: RotateMode = 'start',
  options: { readonly allowDowntime?: boolean } = {},
): Promise<RotateResult> {
  const spec = rotatable(project, name)
  const env = project.environment.name
  const journal = new Journal(project.stateDir)
  await ensurePrivateDir(journal.dirOf(env, name))
  const release = await acquireLock(join(journal.dirOf(env, name), 'lock')).catch((err: unknown) => {
    if (err instanceof HushError && err.code === 'HUSH_E_LOCKED')
      throw new HushError('HUSH_E_LOCKED', `another hush is rotating ${name} right now`, {
        hint: 'wait for it to finish; `hush status` shows the job',
      })
    throw err
  })
  try {
    const open = (await journal.jobs(env, name)).filter(isOpen)
    const job = open.at(-1)
    if (mode === 'start' && job)
      throw new HushError('HUSH_E_LOCKED', `${name} has an open rotation job ${job.id} (${stateOf(job)})`, {
        hint: `continue it with hush rotate ${name} --resume, or undo it with hush rotate ${name} --abort`,
      })
    if (mode !== 'start' && !job)
      throw new HushError('HUSH_E_USAGE', `${name} has no open rotation job`, {
        hint: `start one with hush rotate ${name}`,
      })
    const rotator = await rotatorFor(project, spec)
    if (rotator?.singleCredential && mode === 'start' && !options.allowDowntime)
      throw new HushError(
        'HUSH_E_USAGE',
        `${name}'s server holds one credential: the old one stops working the moment the new one is set`,
        {
          hint: `consumers fail until they pick up the new value; accept that with --allow-downtime, or switch to an ACL user (redis) or alternating roles (postgres)`,
        },
      )
    const runner = new Runner(
      project,
      spec,
      job ?? { id: newJobId(project.world.now()), secret: name, env, lines: [] },
      rotator,
    )
    if (!job) await runner.plan()
    if (mode === 'abort') await runner.abort()
    else await runner.advance(mode === 'retire' ? 0 : undefined)
    const final = runner.current
    const jobId = final.id
    const planned = lineOf(final, 'PLANNED')?.detail
    const promoted = lineOf(final, 'PROMOTED')?.detail
    return {
      secret: name,
      env,
      job: jobId,
      state: stateOf(final),
      steps: runner.steps,
      ...(planned?.from ? { fromFingerprint: String(planned.from) } : {}),
      ...(promoted?.to ? { toFingerprint: String(promoted.to) } : {}),
      ...(promoted?.graceUntil && stateOf(final) === 'GRACE'
        ? { graceUntil: String(promoted.graceUntil) }
        : {}),
    }
  } finally {
    await release()
  }
}
