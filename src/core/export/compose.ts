/**
 * `hush export compose`: a compose override that mounts every secret a service
 * consumes (per `services:` in hush.yaml) at /run/secrets/<entry>, with
 * `X_FILE` variables for consumers that read env vars. Local environments get
 * `file:` paths relative to the override; swarm environments get
 * `external: true` and the name of the newest pushed version. Values never
 * appear in it.
 */
import { dirname, relative } from 'node:path'
import { HushError } from '../../lib/errors.js'
import { envNameOf } from '../../lib/names.js'
import type { Store } from '../../stores/types.js'
import { membersOf } from '../manifest/members.js'
import { ownerOfEntry } from '../manifest/rules.js'
import type { Manifest } from '../manifest/types.js'
import type { Project } from '../project.js'

export interface ComposeOverride {
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

/** The object each entry's newest pushed version is, in a versioned target. */
async function pushedObjects(target: Store): Promise<Map<string, string>> {
  const held = await target.list()
  const places =
    (await target.places?.(held.map((s) => ({ name: s.name, fingerprint: s.fingerprint })))) ?? new Map()
  return new Map([...places].map(([entry, place]) => [entry, place.object]))
}

/** The override for the project's environment, written to `outFile` (paths are relative to its directory). */
export async function composeOverride(project: Project, outFile: string): Promise<ComposeOverride> {
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
  const pushed = target ? await pushedObjects(target) : undefined
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
