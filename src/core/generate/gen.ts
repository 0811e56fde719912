/**
 * `hush gen`: create every missing generated, fixed and derived secret of an
 * environment. Never overwrites a value without `force`, except derived values
 * (recomputed when an input changed) and fixed values (the manifest is their source).
 */
import { mapLimit } from '../../lib/concurrency.js'
import { HushError } from '../../lib/errors.js'
import type { SecretSource, WriteEntry } from '../../stores/types.js'
import type { AuditEvent } from '../audit/log.js'
import { isRequiredIn, membersOf, primaryMember } from '../manifest/members.js'
import { ownerOfEntry } from '../manifest/rules.js'
import type { SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { derivedValue, missingInputs } from './derive.js'
import { generate, publicPemOf } from './generators.js'

export type GenAction = 'create' | 'regenerate' | 'update' | 'keep' | 'needs-input' | 'optional' | 'blocked'

export interface GenRow {
  readonly secret: string
  /** the store entry (a keyring member, a `.pub` half, or the secret itself) */
  readonly entry: string
  readonly action: GenAction
  readonly fingerprint?: string
  readonly note?: string
}

export interface GenResult {
  readonly env: string
  readonly rows: GenRow[]
  /** provided secrets this environment requires that have no value yet */
  readonly needsInput: string[]
}

export interface GenOptions {
  readonly names?: readonly string[]
  readonly force?: boolean
  readonly dryRun?: boolean
}

function selectSecrets(project: Project, names: readonly string[] | undefined): Set<string> {
  const { manifest } = project
  if (!names || names.length === 0) return new Set(manifest.secrets.map((s) => s.name))
  const selected = new Set<string>()
  for (const name of names) {
    if (!manifest.byName.has(name))
      throw new HushError('HUSH_E_UNKNOWN_SECRET', `secret "${name}" is not declared in ${manifest.file}`, {
        hint: 'declare it under secrets: first, or check the spelling with `hush status`',
      })
    selected.add(name)
  }
  // a derived secret follows its inputs
  for (const spec of manifest.secrets)
    if (
      spec.source === 'derived' &&
      spec.inputs.some((i) => selected.has(i) || selected.has(ownerOfEntry(manifest, i)?.name ?? ''))
    )
      selected.add(spec.name)
  return selected
}

export async function gen(project: Project, options: GenOptions = {}): Promise<GenResult> {
  const { manifest, store, fingerprint } = project
  const env = project.environment.name
  const selected = selectSecrets(project, options.names)
  const at = project.world.now().toISOString()
  const values = new Map<string, string | undefined>()
  const specs = manifest.secrets
  const reads = specs.flatMap((spec) => membersOf(spec).map((m) => m.name))
  const read = await mapLimit(reads, 64, (name) => store.read(name))
  for (const [i, name] of reads.entries()) values.set(name, read[i])
  // entries whose labels the store cannot vouch for (a write cut off before them): kept values are written again
  const unlabelled = new Set((await store.list()).filter((m) => m.fingerprint === '').map((m) => m.name))

  const rows: GenRow[] = []
  const writes: WriteEntry[] = []
  const events: AuditEvent[] = []
  const needsInput: string[] = []
  const put = (spec: SecretSpec, entry: string, value: string, action: GenAction, source: SecretSource) => {
    values.set(entry, value)
    const fp = fingerprint(value)
    writes.push({ name: entry, value, meta: { fingerprint: fp, source, at, rotated: action !== 'create' } })
    events.push({ action: 'gen', secret: entry, env, fp, detail: action })
    rows.push({ secret: spec.name, entry, action, fingerprint: fp })
  }
  const keep = (spec: SecretSpec, entry: string, note?: string) => {
    const value = values.get(entry)!
    const fp = fingerprint(value)
    rows.push({ secret: spec.name, entry, action: 'keep', fingerprint: fp, ...(note ? { note } : {}) })
    if (unlabelled.has(entry))
      writes.push({ name: entry, value, meta: { fingerprint: fp, source: spec.source, at, rotated: false } })
  }

  for (const spec of specs) {
    if (!selected.has(spec.name)) continue
    const members = membersOf(spec)
    const primary = primaryMember(spec)
    const current = values.get(primary)
    switch (spec.source) {
      case 'generated': {
        const fresh = current === undefined || options.force === true
        const value = fresh ? generate(spec.generator) : undefined
        const action: GenAction = current === undefined ? 'create' : 'regenerate'
        const mainValue = value?.value ?? current!
        for (const member of members) {
          const existing = values.get(member.name)
          if (member.role === 'active-role') {
            // the first role starts active; rotation flips it, gen never does
            if (existing === undefined) put(spec, member.name, spec.activeRole!.roles[0], 'create', 'fixed')
            else keep(spec, member.name)
          } else if (member.role === 'public') {
            const ownerFresh = fresh || values.get(member.name.slice(0, -4)) === undefined
            if (!ownerFresh && existing !== undefined) keep(spec, member.name)
            else
              put(
                spec,
                member.name,
                publicKeyOf(mainValue, value?.publicKey),
                existing === undefined ? 'create' : action,
                'generated',
              )
          } else if (fresh) put(spec, member.name, mainValue, action, 'generated')
          else if (existing === undefined)
            put(spec, member.name, mainValue, 'create', 'generated') // repair a missing keyring member
          else keep(spec, member.name)
        }
        break
      }
      case 'fixed':
        if (current === spec.value) keep(spec, primary)
        else put(spec, primary, spec.value, current === undefined ? 'create' : 'update', 'fixed')
        break
      case 'derived': {
        // an input is a secret (its current value) or one of its store entries (e.g. the active role)
        const entryValue = (entry: string) => values.get(entry)
        const missing = missingInputs(manifest, spec, entryValue)
        if (missing.length > 0) {
          rows.push({
            secret: spec.name,
            entry: primary,
            action: 'blocked',
            note: `waits for ${missing.join(', ')}`,
          })
          break
        }
        const value = derivedValue(manifest, spec, entryValue)
        if (current === value) keep(spec, primary)
        else put(spec, primary, value, current === undefined ? 'create' : 'update', 'derived')
        break
      }
      case 'provided':
        if (current !== undefined) keep(spec, primary)
        else if (isRequiredIn(spec, env)) {
          needsInput.push(spec.name)
          rows.push({
            secret: spec.name,
            entry: primary,
            action: 'needs-input',
            note: `hush set ${spec.name}`,
          })
        } else
          rows.push({ secret: spec.name, entry: primary, action: 'optional', note: `not required in ${env}` })
        break
    }
  }

  if (!options.dryRun && writes.length > 0)
    await project.audit.recorded(events, project.actor, at, () => store.writeMany(writes))
  return { env, rows, needsInput }
}

/** The public half of a key pair: the generator's, or recomputed from the stored private key. */
function publicKeyOf(privatePem: string, generated: string | undefined): string {
  return generated || publicPemOf(privatePem)
}
