/**
 * doctor's swarm probes: services that mount secrets which no longer exist,
 * services that lack an entry hush.yaml says they consume, and compose files
 * that name external swarm secrets the swarm does not have.
 */
import { promises as fs } from 'node:fs'
import { relative } from 'node:path'
import { parse } from 'yaml'
import type { Store } from '../../stores/types.js'
import { entriesOf } from '../export/compose.js'
import type { Project } from '../project.js'
import { composeFiles } from './compose-files.js'
import { overrideFiles } from './overrides.js'
import type { Probe } from './types.js'

/** External secret names the project's compose files (and the overrides hush remembers) expect the swarm to hold, by file. */
async function externalNames(root: string, remembered: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  const files = new Set([...composeFiles(root, ['docker-compose.hush.yml']), ...remembered])
  for (const file of files) {
    let doc: { secrets?: Record<string, { external?: unknown; name?: unknown } | null> } | undefined
    try {
      doc = parse(await fs.readFile(file, 'utf8'))
    } catch {
      continue // composeProbes reports unreadable compose files
    }
    const names = Object.entries(doc?.secrets ?? {})
      .filter(([, s]) => s?.external === true || (s?.external as { name?: unknown })?.name !== undefined)
      .map(([key, s]) => String(s?.name ?? (s?.external as { name?: unknown })?.name ?? key))
    if (names.length > 0) out.set(relative(root, file), names)
  }
  return out
}

/** Probes of the consumers a distribution target rolls (swarm services): what they mount exists and is complete. */
export async function consumerProbes(project: Project, target: Store): Promise<Probe[]> {
  if (!target.consumerProblems) return []
  const { manifest } = project
  const expected = new Map(
    Object.entries(manifest.services).map(([name, consumes]) => [
      name,
      entriesOf(manifest, consumes).map((e) => e.entry),
    ]),
  )
  const { consumers, problems } = await target.consumerProblems(
    expected,
    await externalNames(manifest.root, await overrideFiles(project)),
  )
  if (problems.length === 0)
    return [
      {
        check: 'swarm services',
        status: 'ok',
        message: `${consumers} service(s); every referenced secret exists`,
      },
    ]
  return problems.map((message) => ({
    check: 'swarm services',
    status: 'fail' as const,
    message,
    hint: `hush push -e ${project.environment.name}, then hush export compose -e ${project.environment.name} and redeploy`,
  }))
}
