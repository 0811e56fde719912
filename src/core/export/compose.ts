/**
 * `hush export compose`: a compose override that mounts every secret a service
 * consumes (per `services:` in hush.yaml) at /run/secrets/<entry>, with
 * `X_FILE` variables for consumers that read env vars. Local environments get
 * `file:` paths relative to the override; swarm environments get
 * `external: true` and the name of the pushed version that holds the
 * environment's current value (what the services mount). Values never appear
 * in it. Compose merges only files of one `version:` (`docker stack deploy`:
 * "version mismatched between two composefiles"), so the override declares the
 * base file's version, or none when the base declares none.
 */
import { existsSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { parse, stringify } from 'yaml'
import { mapLimit } from '../../lib/concurrency.js'
import { HushError } from '../../lib/errors.js'
import { envNameOf } from '../../lib/names.js'
import { readRegularFile } from '../../lib/regular-file.js'
import type { Store } from '../../stores/types.js'
import { membersOf } from '../manifest/members.js'
import { ownerOfEntry } from '../manifest/rules.js'
import type { Manifest } from '../manifest/types.js'
import type { Project } from '../project.js'

export interface ComposeOverride {
  /** the base compose file's `version:`, when it declares one */
  version?: string
  services: Record<string, { secrets: string[]; environment: Record<string, string> }>
  secrets: Record<string, { file: string } | { external: true; name: string }>
}

/** Store entries a service mounts: every entry of each secret it names (a key ring's primary, previous and copy). */
export function entriesOf(
  manifest: Manifest,
  names: readonly string[],
): { entry: string; envName: string }[] {
  const out: { entry: string; envName: string }[] = []
  for (const name of names) {
    const spec = manifest.byName.get(name) ?? ownerOfEntry(manifest, name)
    if (!spec) continue
    const members = manifest.byName.has(name) ? membersOf(spec).map((m) => m.name) : [name]
    for (const entry of members)
      if (!out.some((o) => o.entry === entry))
        out.push({ entry, envName: entry === spec.name ? spec.env : envNameOf(entry) })
  }
  return out
}

/** Fingerprints an override's versions should hold, by entry: what a rotation step just sent to the target. */
export type SentFingerprints = ReadonlyMap<string, string>

/**
 * The object each of `entries` is at in a versioned target: the version holding the fingerprint the
 * entry should have — `sent`, else the environment's current value — which is the one push and
 * rotation moved the services to (an older version comes back after an abort, or as a key ring's
 * previous key); the newest version when none holds it (a value set but not pushed yet).
 */
async function pushedObjects(
  project: Project,
  target: Store,
  entries: readonly string[],
  sent: SentFingerprints | undefined,
): Promise<Map<string, string>> {
  const held = (await target.list()).filter((s) => entries.includes(s.name))
  if (!target.places || held.length === 0) return new Map()
  const wanted = await mapLimit(held, 16, async (s) => {
    const value = sent?.has(s.name) ? undefined : await project.store.read(s.name)
    const fingerprint =
      sent?.get(s.name) ?? (value === undefined ? s.fingerprint : project.fingerprint(value))
    return { name: s.name, fingerprint }
  })
  const [newest, current] = await Promise.all([
    target.places(held.map((s) => ({ name: s.name, fingerprint: s.fingerprint }))),
    target.places(wanted),
  ])
  return new Map(
    held.map((s, i) => {
      const place = current.get(s.name)
      const holds = place !== undefined && (place.existing || wanted[i]!.fingerprint === s.fingerprint)
      return [s.name, (holds ? place : newest.get(s.name))!.object]
    }),
  )
}

/** The override for the project's environment, written to `outFile` (paths are relative to its directory). */
export async function composeOverride(
  project: Project,
  outFile: string,
  sent?: SentFingerprints,
): Promise<ComposeOverride> {
  const { manifest, environment } = project
  const { store, target } = project
  if (!store.capabilities.secretFiles)
    throw new HushError(
      'HUSH_E_STORE_UNSUPPORTED',
      `export compose mounts secret files (files stores) or swarm secrets (swarm); ${environment.name} uses ${environment.store}`,
      { hint: 'point a files or swarm environment at it: hush export compose -e <env>' },
    )
  if (Object.keys(manifest.services).length === 0)
    throw new HushError('HUSH_E_USAGE', `${manifest.file} declares no services: nothing to mount`, {
      hint: 'add services: { api: [session_key, database_url] } to hush.yaml',
    })
  // a target that rolls consumers (a swarm) holds versioned objects: the override names the pushed ones
  const mounted = Object.values(manifest.services).flatMap((n) => entriesOf(manifest, n).map((e) => e.entry))
  const pushed = target ? await pushedObjects(project, target, [...new Set(mounted)], sent) : undefined
  const base = dirname(outFile)
  const services: ComposeOverride['services'] = {}
  const secrets: ComposeOverride['secrets'] = {}
  for (const [service, names] of Object.entries(manifest.services)) {
    const entries = entriesOf(manifest, names)
    services[service] = {
      secrets: entries.map((e) => e.entry),
      environment: Object.fromEntries(entries.map((e) => [`${e.envName}_FILE`, `/run/secrets/${e.entry}`])),
    }
    for (const { entry } of entries) {
      if (pushed) {
        const object = pushed.get(entry)
        if (!object)
          throw new HushError('HUSH_E_USAGE', `${entry} has not been pushed to the swarm yet`, {
            hint: `run hush push -e ${environment.name} first; the override names the pushed versions`,
          })
        secrets[entry] = { external: true, name: object }
        continue
      }
      const rel = relative(base, `${environment.path}/${entry}`)
      secrets[entry] = { file: rel.startsWith('.') ? rel : `./${rel}` }
    }
  }
  return { services, secrets }
}

const BASE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml']
/** a compose file larger than this is not read for its version */
const MAX_BASE_BYTES = 1 << 20

/** The compose file the override merges with: beside it, else at the project root or in docker/. */
function baseCompose(root: string, outFile: string): string | undefined {
  for (const dir of [dirname(outFile), root, join(root, 'docker')])
    for (const name of BASE_NAMES) {
      const path = join(dir, name)
      if (path !== outFile && existsSync(path)) return path
    }
  return undefined
}

/** The `version:` a compose text declares (a string: "3.8"), if any; unreadable text declares none. */
export function composeVersionOf(text: string): string | undefined {
  try {
    const version = (parse(text, { maxAliasCount: 100 }) as { version?: unknown } | null)?.version
    return typeof version === 'string' || typeof version === 'number' ? String(version) : undefined
  } catch {
    return undefined
  }
}

function baseVersion(base: string | undefined): string | undefined {
  if (!base) return undefined
  const read = readRegularFile(base, { maxBytes: MAX_BASE_BYTES, followSymlinks: true })
  return read.status === 'read' ? composeVersionOf(read.data.toString('utf8')) : undefined
}

/**
 * The override as hush writes it: a header saying how it was made and how to use it, then the YAML.
 * `shown` is the file name the header's `use:` line gives; `remembered` says that push and rotate
 * rewrite this file (`.hush/overrides.json`), so it need not be rerun after them.
 */
export async function composeDocument(
  project: Project,
  outFile: string,
  options: {
    readonly shown: string
    readonly remembered: boolean
    readonly sent?: SentFingerprints
    /** the compose `version:` to declare (default: the base file's) */
    readonly composeVersion?: string
  },
): Promise<{ override: ComposeOverride; text: string }> {
  const root = project.manifest.root
  const base = baseCompose(root, outFile)
  const version = options.composeVersion ?? baseVersion(base)
  const override = {
    ...(version ? { version } : {}),
    ...(await composeOverride(project, outFile, options.sent)),
  }
  const baseShown = base ? relative(root, base) : 'docker-compose.yml'
  const env = project.environment.name
  const swarm = project.target !== undefined
  const when = !swarm
    ? 'rerun it after changing hush.yaml'
    : options.remembered
      ? 'hush push and hush rotate keep it current'
      : 'rerun it after changing hush.yaml, hush push or hush rotate'
  const use = swarm
    ? `docker stack deploy -c ${baseShown} -c ${options.shown} <stack>`
    : `docker compose -f ${baseShown} -f ${options.shown} up`
  const header = `# generated by hush export compose -e ${env}; ${when}\n# use: ${use}\n`
  return { override, text: header + stringify(override) }
}
