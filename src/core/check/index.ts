/** `hush check`: every rule over one environment, as a list of findings. */
import { relative } from 'node:path'
import { mapLimit } from '../../lib/concurrency.js'
import { HushError } from '../../lib/errors.js'
import { descriptorOf } from '../../stores/registry.js'
import type { Store } from '../../stores/types.js'
import { expectedDerived } from '../generate/derive.js'
import { isRequiredIn, membersOf, primaryMember } from '../manifest/members.js'
import { sinkNamesOf } from '../manifest/rules.js'
import type { SecretSpec } from '../manifest/types.js'
import type { Project } from '../project.js'
import { statusOf } from '../status/status.js'
import { contentProblems } from './content.js'
import { gitProblems, permissionProblems } from './files.js'
import { type Finding, type FindingCode, SEVERITY } from './types.js'

export interface CheckResult {
  readonly env: string
  readonly findings: Finding[]
  readonly summary: {
    secrets: number
    errors: number
    warnings: number
    byCode: Partial<Record<FindingCode, number>>
  }
}

function hintFor(code: FindingCode, spec: SecretSpec, env: string): string {
  const e = env === 'development' ? '' : ` -e ${env}`
  const renew = spec.source === 'provided' ? `hush set ${spec.name}${e}` : `hush gen ${spec.name} --force${e}`
  switch (code) {
    case 'missing':
      return spec.source === 'provided' ? `hush set ${spec.name}${e}` : `hush gen${e}`
    case 'empty':
    case 'placeholder':
    case 'pattern':
    case 'whitespace':
      return `replace the value: ${renew}`
    case 'weak':
      return `regenerate it: ${renew}, then redeploy its consumers`
    case 'reused':
      return `give each environment its own value: ${renew}`
    case 'duplicate':
      return `give each secret its own value: ${renew}`
    case 'overdue':
      return `rotate it: hush rotate ${spec.name}${e}`
    case 'stale-derived':
      return `recompute it from its inputs: hush gen${e}`
    default:
      return ''
  }
}

/** Values of each secret's primary entry in a store, keyed by secret name. */
async function primaryValues(
  store: Store,
  specs: readonly SecretSpec[],
): Promise<Map<string, string | undefined>> {
  const values = await mapLimit(specs, 64, (spec) => store.read(primaryMember(spec)))
  return new Map(specs.map((spec, i) => [spec.name, values[i]]))
}

export async function check(project: Project): Promise<CheckResult> {
  const { manifest, store, environment, fingerprint } = project
  const env = environment.name
  const findings: Finding[] = []
  const add = (
    code: FindingCode,
    spec: SecretSpec,
    message: string,
    extra: { hint?: string; path?: string } = {},
  ) =>
    findings.push({
      code,
      severity: SEVERITY[code],
      secret: spec.name,
      env,
      message,
      hint: extra.hint ?? hintFor(code, spec, env),
      ...(extra.path ? { path: extra.path } : {}),
    })

  const entries = manifest.secrets.flatMap((spec) => membersOf(spec).map((m) => ({ spec, member: m.name })))
  // an entry that is a link or not a regular file has no value here; its backing path names it below
  const raw = await mapLimit(entries, 64, (e) => store.read(e.member).catch(unlessUnsafe))
  const value = new Map(entries.map((e, i) => [e.member, raw[i]]))
  const metas = new Map((await store.list()).map((m) => [m.name, m]))
  const ownerOf = new Map(entries.map((e) => [e.member, e.spec]))
  const now = project.world.now()

  const fingerprintsHere = new Map<string, string[]>()
  for (const spec of manifest.secrets) {
    const members = membersOf(spec)
    const absent = members.filter((m) => value.get(m.name) === undefined)
    if (absent.length > 0) {
      if (
        isRequiredIn(spec, env) &&
        (absent.length < members.length || value.get(primaryMember(spec)) === undefined)
      )
        add(
          'missing',
          spec,
          `${spec.name} has no value in ${env}${absent.length < members.length ? ` (missing ${absent.map((m) => m.name).join(', ')})` : ''}`,
        )
      if (value.get(primaryMember(spec)) === undefined) continue
    }
    const current = value.get(primaryMember(spec))!
    for (const problem of contentProblems(spec, current)) add(problem.code, spec, problem.message)
    if (current !== '' && (spec.source === 'generated' || spec.source === 'provided')) {
      const fp = fingerprint(current)
      fingerprintsHere.set(fp, [...(fingerprintsHere.get(fp) ?? []), spec.name])
    }
    const readEntry = async (entry: string) =>
      value.has(entry) ? value.get(entry) : await store.read(entry).catch(unlessUnsafe)
    const expected = spec.source === 'derived' ? await expectedDerived(manifest, spec, readEntry) : undefined
    if (expected !== undefined && expected !== current)
      add('stale-derived', spec, `${spec.name} does not match what its inputs compute to`)
    const row = statusOf(spec, metas.get(primaryMember(spec)), env, now)
    if (row.state === 'overdue')
      add(
        'overdue',
        spec,
        `${spec.name} was last rotated ${row.age} ago; the policy is every ${spec.rotation!.every}`,
      )
  }

  for (const names of fingerprintsHere.values())
    for (const name of names.slice(1))
      add('duplicate', manifest.byName.get(name)!, `${name} holds the same value as ${names[0]}`)

  await reusedAcrossEnvironments(project, fingerprintsHere, add)

  if (store.capabilities.localFiles && store.backingPaths) {
    // the store's directory, its own file (a .env holds many secrets) and the entries of declared secrets
    const paths = (await store.backingPaths()).filter(
      (p) => p.type === 'dir' || p.name === undefined || ownerOf.has(p.name),
    )
    const problems = [...(await permissionProblems(paths)), ...(await gitProblems(paths))]
    for (const p of problems) {
      const spec = ownerOf.get(p.name ?? '')
      const shown = relative(manifest.root, p.path) || '.'
      if (spec) add(p.code, spec, p.message.replace(p.path, shown), { hint: p.hint, path: p.path })
      else
        findings.push({
          code: p.code,
          severity: SEVERITY[p.code],
          secret: '',
          env,
          message: p.message.replace(p.path, shown),
          hint: p.hint,
          path: p.path,
        })
    }
  }

  const byCode: Partial<Record<FindingCode, number>> = {}
  for (const f of findings) byCode[f.code] = (byCode[f.code] ?? 0) + 1
  return {
    env,
    findings,
    summary: {
      secrets: manifest.secrets.length,
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      byCode,
    },
  }
}

/** A read refused as unsafe (a symlink, a FIFO) counts as no value; any other failure stops check. */
function unlessUnsafe(err: unknown): undefined {
  if (err instanceof HushError && err.code === 'HUSH_E_UNSAFE_PATH') return undefined
  throw err
}

/** `reused`: another environment, in a different store we can read here, holds the same value. */
async function reusedAcrossEnvironments(
  project: Project,
  fingerprintsHere: Map<string, string[]>,
  add: (code: FindingCode, spec: SecretSpec, message: string) => void,
): Promise<void> {
  const { manifest, environment, store, fingerprint } = project
  const candidates = manifest.secrets.filter((s) => s.source === 'generated' || s.source === 'provided')
  const here = new Map<string, string>()
  for (const [fp, names] of fingerprintsHere) for (const n of names) here.set(n, fp)
  for (const other of manifest.environments.values()) {
    // local stores only: reading every remote one would be slow and need its credentials
    if (other.name === environment.name || !descriptorOf(other.store).capabilities.localFiles) continue
    const otherStore = project.storeFor(other)
    if (otherStore.location === store.location) continue // one store shared by two environments is not reuse
    // an environment that distributes to the other (or receives from it) mirrors it by design
    if (sinkNamesOf(environment).includes(other.name) || sinkNamesOf(other).includes(environment.name))
      continue
    const theirs = await primaryValues(otherStore, candidates)
    for (const spec of candidates) {
      const v = theirs.get(spec.name)
      if (v !== undefined && v !== '' && here.get(spec.name) === fingerprint(v))
        add('reused', spec, `${spec.name} has the same value in ${environment.name} and ${other.name}`)
    }
  }
}
