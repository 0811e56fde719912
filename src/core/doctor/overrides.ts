/**
 * doctor's probe of the compose overrides hush remembers (`.hush/overrides.json`): each one's
 * `file:` secrets exist, and one of the environment doctor runs for names the versions the swarm
 * holds as current — a stale one would fail a `docker stack deploy`, or move services back to a
 * superseded value. Overrides of other environments are checked with `hush doctor -e ENV`.
 */
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parse } from 'yaml'
import { HushError } from '../../lib/errors.js'
import { composeDocument } from '../export/compose.js'
import { type OverrideRecord, overridePath, recordedOverrides } from '../export/override-registry.js'
import { readOverride } from '../export/overrides.js'
import type { Project } from '../project.js'
import type { Probe } from './types.js'

type Secrets = Record<string, { file?: unknown; external?: unknown; name?: unknown } | null>

const CHECK = 'compose override'

/** The external secrets an override of the project's environment names that are not the current versions, and whether its text is what hush would write now. */
async function staleness(
  project: Project,
  path: string,
  record: OverrideRecord,
  text: string,
  secrets: Secrets,
) {
  const { override, text: fresh } = await composeDocument(project, path, {
    shown: record.path,
    remembered: true,
  })
  const stale: string[] = []
  for (const [entry, s] of Object.entries(secrets)) {
    const now = override.secrets[entry]
    if (s?.external === true && now && 'name' in now && s.name !== now.name)
      stale.push(`${entry} → ${String(s.name)} (current: ${now.name})`)
  }
  return { stale, differs: fresh !== text }
}

/** Secret files an override points at that do not exist (compose resolves them from its directory). */
function missingFiles(path: string, secrets: Secrets): string[] {
  return Object.entries(secrets)
    .filter(([, s]) => typeof s?.file === 'string' && !existsSync(resolve(dirname(path), s.file)))
    .map(([entry, s]) => `${entry} → ${String(s?.file)}`)
}

async function probeOne(project: Project, record: OverrideRecord): Promise<Probe | undefined> {
  const env = project.environment.name
  const path = overridePath(project, record)
  const fix = `hush export compose -e ${record.env} -o ${record.path} (hush push and hush rotate rewrite it too)`
  try {
    const text = readOverride(project, record) // confined, a regular file, hush's header
    if (text === undefined) return undefined // deleted: push and rotate forget it
    const secrets = ((parse(text) as { secrets?: Secrets } | null)?.secrets ?? {}) as Secrets
    const missing = missingFiles(path, secrets)
    if (missing.length > 0)
      return {
        check: CHECK,
        status: 'fail',
        message: `${record.path} points at missing files: ${missing.join(', ')}`,
        hint: `hush gen -e ${record.env}, then ${fix}`,
      }
    if (record.env !== env)
      return {
        check: CHECK,
        status: 'skip',
        message: `${record.path} is ${record.env}'s: hush doctor -e ${record.env} checks it`,
      }
    const { stale, differs } = await staleness(project, path, record, text, secrets)
    if (stale.length > 0)
      return {
        check: CHECK,
        status: 'fail',
        message: `${record.path} names superseded swarm secrets: ${stale.join(', ')}`,
        hint: fix,
      }
    return differs
      ? {
          check: CHECK,
          status: 'warn',
          message: `${record.path} differs from what hush export compose -e ${env} writes now`,
          hint: fix,
        }
      : { check: CHECK, status: 'ok', message: `${record.path} names the current secrets of ${env}` }
  } catch (err) {
    if (!(err instanceof HushError) && !(err instanceof Error && err.name === 'YAMLParseError')) throw err
    // a YAML error quotes the offending line, which could be anything: only its position is shown
    const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line
    return {
      check: CHECK,
      status: 'fail',
      message: `${record.path}: ${err instanceof HushError ? `[${err.code}] ${err.message}` : `not valid YAML (line ${line ?? '?'})`}`,
      hint: err instanceof HushError && err.hint ? err.hint : fix,
    }
  }
}

/** One probe per remembered override that still exists. */
export async function overrideProbes(project: Project): Promise<Probe[]> {
  const probes: Probe[] = []
  let records: OverrideRecord[]
  try {
    records = await recordedOverrides(project)
  } catch (err) {
    if (!(err instanceof HushError)) throw err
    return [
      {
        check: CHECK,
        status: 'fail',
        message: `[${err.code}] ${err.message}`,
        ...(err.hint ? { hint: err.hint } : {}),
      },
    ]
  }
  for (const record of records) {
    const probe = await probeOne(project, record)
    if (probe) probes.push(probe)
  }
  return probes
}

/** The remembered overrides that exist, as absolute paths (the swarm probe checks the names they reference). */
export async function overrideFiles(project: Project): Promise<string[]> {
  const records = await recordedOverrides(project).catch(() => []) // overrideProbes reports a corrupt list
  // only the ones hush may read (overrideProbes reports the others)
  const readable = records.filter((r) => {
    try {
      return readOverride(project, r) !== undefined
    } catch {
      return false
    }
  })
  return readable.map((r) => overridePath(project, r))
}
