/**
 * What unsealing a bundle would do to an environment, checked against hush.yaml before anything is
 * written: the state after it (the store's values with the bundle's on top), where fixed values must
 * equal hush.yaml's, derived values and public halves are recomputed (never taken from the bundle),
 * patterns hold and every key ring stays consistent. Violations name the entry, never a value.
 */
import { mapLimit } from '../../lib/concurrency.js'
import type { ErrorItem } from '../../lib/errors.js'
import type { Bundle, BundleEntry } from '../../lib/sealed-bundle.js'
import type { SecretSource, WriteEntry } from '../../stores/types.js'
import { derivedValue, inputEntry, missingInputs } from '../generate/derive.js'
import { publicPemOf } from '../generate/generators.js'
import { isKeyring, type Member, membersOf } from '../manifest/members.js'
import type { Manifest, SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { type Rollback, rollbackOf } from './trust.js'

export type UnsealAction = '+' | '~' | '=' | 'unknown'

export interface UnsealRow {
  readonly entry: string
  readonly action: UnsealAction
  readonly from?: string
  readonly to: string
  /** `recomputed`: a derived value or public half hush computed from the bundle's inputs */
  readonly note?: string
}

export interface UnsealPlan {
  readonly rows: UnsealRow[]
  readonly writes: WriteEntry[]
  readonly violations: ErrorItem[]
  readonly rollbacks: Rollback[]
}

interface Slot {
  readonly spec: SecretSpec
  readonly member: Member
}

const VALUE_ROLES: ReadonlySet<Member['role']> = new Set(['value', 'primary', 'previous', 'mirror'])

/** An ISO date, or `fallback` when the text is not a date. */
function isoOr(text: string | undefined, fallback: string): string {
  const t = text === undefined ? Number.NaN : Date.parse(text)
  return Number.isNaN(t) ? fallback : new Date(t).toISOString()
}

export async function planUnseal(project: Project, bundle: Bundle): Promise<UnsealPlan> {
  const { manifest, store, fingerprint } = project
  const slots = new Map<string, Slot>()
  for (const spec of manifest.secrets)
    for (const member of membersOf(spec)) slots.set(member.name, { spec, member })
  const names = [...slots.keys()]
  const read = await mapLimit(names, 64, (n) => store.read(n))
  const current = new Map(names.map((n, i) => [n, read[i]]))
  const metas = new Map((await store.list()).map((m) => [m.name, m]))

  const incoming = new Map<string, BundleEntry>()
  const rows: UnsealRow[] = []
  for (const e of bundle.entries) {
    if (slots.has(e.name)) incoming.set(e.name, e)
    else rows.push({ entry: e.name, action: 'unknown', to: fingerprint(e.value) })
  }
  const next = new Map(current)
  for (const e of incoming.values()) next.set(e.name, e.value)
  const violations: ErrorItem[] = []
  const bad = (entry: string, message: string) => violations.push({ path: entry, message })
  const recomputed = new Set<string>()
  const changed = (entry: string) => next.get(entry) !== current.get(entry)

  for (const [name, e] of incoming) {
    const { spec, member } = slots.get(name)!
    if (e.value.length === 0) bad(name, 'is empty in the bundle')
    if (spec.source === 'fixed' && member.role === 'value' && e.value !== spec.value)
      bad(name, 'is fixed by hush.yaml (value:) and the bundle holds another value')
    if (member.role === 'active-role' && !spec.activeRole!.roles.includes(e.value))
      bad(name, `must name one of the roles ${spec.activeRole!.roles.join(', ')}`)
  }
  recomputePublicHalves(slots, incoming, next, changed, bad, recomputed)
  recomputeDerived(manifest, incoming, next, changed, bad, recomputed)
  for (const [name, { spec, member }] of slots) {
    const value = next.get(name)
    if (value === undefined || !changed(name) || spec.source === 'fixed' || !VALUE_ROLES.has(member.role))
      continue
    if (spec.pattern && !spec.pattern.test(value))
      bad(name, `does not match the pattern /${spec.pattern.source}/`)
  }
  for (const spec of manifest.secrets)
    if (isKeyring(spec) && membersOf(spec).some((m) => changed(m.name))) keyringProblems(spec, next, bad)

  const now = project.world.now().toISOString()
  const sealedAt = isoOr(bundle.sealedAt, now)
  const writes: WriteEntry[] = []
  const rollbacks: Rollback[] = []
  for (const [name, { spec, member }] of slots) {
    const value = next.get(name)
    const e = incoming.get(name)
    const from = current.get(name)
    // every entry of the bundle, and what hush recomputed from it (derived values, public halves)
    if (e || (value !== undefined && changed(name)))
      rows.push({
        entry: name,
        action: from === undefined ? '+' : from === value ? '=' : '~',
        to: fingerprint(value!),
        ...(from !== undefined ? { from: fingerprint(from) } : {}),
        ...(e ? {} : { note: 'recomputed' }),
      })
    if (value === undefined || !changed(name)) continue
    // a value taken from the bundle keeps the time it was made; what hush recomputed is made now
    const at = e && !recomputed.has(name) ? isoOr(e.updatedAt, sealedAt) : now
    if (e && !recomputed.has(name) && from !== undefined) {
      const r = rollbackOf(name, metas.get(name), {
        ...(e.version !== undefined ? { version: e.version } : {}),
        updatedAt: at,
      })
      if (r) rollbacks.push(r)
    }
    writes.push({
      name,
      value,
      meta: {
        fingerprint: fingerprint(value),
        source: sourceOf(spec, member),
        at,
        rotated: from !== undefined,
      },
    })
  }
  rows.sort((a, b) => a.entry.localeCompare(b.entry))
  return { rows, writes, violations, rollbacks }
}

function sourceOf(spec: SecretSpec, member: Member): SecretSource {
  if (member.role === 'public') return 'generated'
  if (member.role === 'active-role') return 'fixed'
  return spec.source
}

type Bad = (entry: string, message: string) => void

/** `<entry>.pub` is the public key of `<entry>`: recomputed whenever the private key changes. */
function recomputePublicHalves(
  slots: ReadonlyMap<string, Slot>,
  incoming: ReadonlyMap<string, BundleEntry>,
  next: Map<string, string | undefined>,
  changed: (entry: string) => boolean,
  bad: Bad,
  recomputed: Set<string>,
): void {
  for (const [name, { member }] of slots) {
    if (member.role !== 'public') continue
    const owner = name.slice(0, -'.pub'.length)
    if (!changed(owner) && !incoming.has(name)) continue
    const privateKey = next.get(owner)
    if (privateKey === undefined) {
      if (incoming.has(name)) bad(name, `is a public half without its private key ${owner}`)
      continue
    }
    let publicKey: string
    try {
      publicKey = publicPemOf(privateKey)
    } catch {
      bad(owner, 'is not a private key in PEM form')
      continue
    }
    const given = incoming.get(name)
    if (given && given.value !== publicKey) bad(name, `is not the public key of ${owner}`)
    next.set(name, publicKey)
    recomputed.add(name)
  }
}

/** Derived values from the state after unseal, in dependency order; the bundle's must equal them. */
function recomputeDerived(
  manifest: Manifest,
  incoming: ReadonlyMap<string, BundleEntry>,
  next: Map<string, string | undefined>,
  changed: (entry: string) => boolean,
  bad: Bad,
  recomputed: Set<string>,
): void {
  for (const spec of manifest.secrets) {
    if (spec.source !== 'derived') continue
    const given = incoming.get(spec.name)
    const entryValue = (entry: string) => next.get(entry)
    const inputsChanged = spec.inputs.some((i) => changed(inputEntry(manifest, i)))
    if (!given && !inputsChanged) continue
    if (missingInputs(manifest, spec, entryValue).length > 0) {
      if (given) bad(spec.name, 'is derived, and its inputs have no value to recompute it from')
      continue
    }
    const value = derivedValue(manifest, spec, entryValue)
    if (given && given.value !== value)
      bad(spec.name, 'is derived and the bundle holds a value its template does not give')
    next.set(spec.name, value)
    recomputed.add(spec.name)
  }
}

/** A key ring after unseal: primary and previous both present, and the legacy copy equal to the primary. */
function keyringProblems(spec: SecretSpec, next: ReadonlyMap<string, string | undefined>, bad: Bad): void {
  const primary = next.get(`${spec.name}_primary`)
  const previous = next.get(`${spec.name}_previous`)
  if (primary === undefined) {
    if (previous !== undefined || next.get(spec.name) !== undefined)
      bad(`${spec.name}_primary`, 'is missing while the rest of the key ring is there')
    return
  }
  if (previous === undefined) bad(`${spec.name}_previous`, 'is missing while the key ring has a primary')
  if (spec.rotation?.mirror !== false && next.get(spec.name) !== primary)
    bad(spec.name, `(the legacy copy) would differ from ${spec.name}_primary`)
}
