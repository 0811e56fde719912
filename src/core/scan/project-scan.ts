/** What a manifest adds to a scan: the project's own values, its stores kept out, its rules and allowlists. */
import { join } from 'node:path'
import { mapLimit } from '../../lib/concurrency.js'
import { membersOf } from '../manifest/members.js'
import type { Project } from '../project.js'
import type { KnownValue } from './known.js'
import type { RuleSpec } from './rules.js'

export interface ProjectScanSettings {
  readonly known: KnownValue[]
  readonly exclude: string[]
  readonly extraRules: RuleSpec[]
  readonly allowPaths: readonly string[]
  readonly allowIds: readonly string[]
  /** environments whose values could not be read (names only) */
  readonly unreadable: string[]
}

export async function projectScanSettings(
  project: Project,
  withKnown: boolean,
): Promise<ProjectScanSettings> {
  const { manifest } = project
  const known: KnownValue[] = []
  const unreadable: string[] = []
  const exclude = [join(manifest.root, '.hush')]
  for (const env of manifest.environments.values()) {
    if (env.path) exclude.push(env.path)
    if (!withKnown || !env.path) continue
    const store = project.storeFor(env)
    const entries = manifest.secrets
      .filter((s) => s.source !== 'fixed') // fixed values (user names) are configuration, not secrets
      .flatMap((s) => membersOf(s).filter((m) => m.role !== 'public' && m.role !== 'active-role'))
      .map((m) => m.name)
    try {
      const values = await mapLimit(entries, 64, (e) => store.read(e))
      entries.forEach((name, i) => {
        const value = values[i]
        if (value !== undefined) known.push({ name, value, fingerprint: project.fingerprint(value) })
      })
    } catch {
      unreadable.push(env.name)
    }
  }
  return {
    known,
    exclude,
    extraRules: manifest.scan.rules.map((r) => ({
      id: r.id,
      description: r.description ?? r.id,
      keywords: r.keywords.map((k) => k.toLowerCase()),
      regex: r.regex,
      ...(r.case_insensitive ? { caseInsensitive: true } : {}),
      ...(r.entropy !== undefined ? { entropy: r.entropy } : {}),
    })),
    allowPaths: manifest.scan.allowPaths,
    allowIds: manifest.scan.allowFingerprints,
    unreadable,
  }
}
