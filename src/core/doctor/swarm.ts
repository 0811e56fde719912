/**
 * doctor's swarm probes: services that mount secrets which no longer exist,
 * services that lack an entry hush.yaml says they consume, and compose files
 * that name external swarm secrets the swarm does not have.
 */
import { promises as fs } from 'node:fs'
import { relative } from 'node:path'
import { parse } from 'yaml'
import { entriesOf } from '../export/compose.js'
import type { Project } from '../project.js'
import { swarmOf } from '../swarm/target.js'
import { composeFiles } from './compose-files.js'
import type { Probe } from './doctor.js'

/** External secret names the project's compose files expect the swarm to hold, by file. */
async function externalNames(root: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (const file of composeFiles(root, ['docker-compose.hush.yml'])) {
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

export async function swarmProbes(project: Project): Promise<Probe[]> {
  const swarm = swarmOf(project)
  const [services, all] = await Promise.all([
    swarm.services(),
    swarm.engine.call<{ ID: string; Spec: { Name: string } }[]>('GET', '/secrets').then((r) => r.body),
  ])
  const ids = new Set(all.map((s) => s.ID))
  const names = new Set(all.map((s) => s.Spec.Name))
  const problems: string[] = []
  for (const s of services)
    for (const ref of s.Spec.TaskTemplate.ContainerSpec?.Secrets ?? [])
      if (!ids.has(ref.SecretID))
        problems.push(`service ${s.Spec.Name} mounts ${ref.SecretName}, which no longer exists`)
  const { manifest } = project
  // a service is this project's when it mounts one of its versions (a shared swarm runs other projects' too)
  const ours = new Set((await swarm.versions()).map((v) => v.id))
  const mine = services.filter((s) =>
    (s.Spec.TaskTemplate.ContainerSpec?.Secrets ?? []).some((r) => ours.has(r.SecretID)),
  )
  for (const [name, consumes] of Object.entries(manifest.services)) {
    const expected = entriesOf(manifest, consumes).map((e) => e.entry)
    for (const s of mine.filter((s) => s.Spec.Name === name || s.Spec.Name.endsWith(`_${name}`))) {
      const mounted = new Set((s.Spec.TaskTemplate.ContainerSpec?.Secrets ?? []).map((r) => r.File?.Name))
      const lacking = expected.filter((e) => !mounted.has(e))
      if (lacking.length > 0)
        problems.push(
          `service ${s.Spec.Name} does not mount ${lacking.join(', ')} (hush.yaml services.${name})`,
        )
    }
  }
  for (const [file, wanted] of await externalNames(manifest.root)) {
    const absent = wanted.filter((n) => !names.has(n))
    if (absent.length > 0)
      problems.push(`${file} names swarm secrets that do not exist: ${absent.join(', ')}`)
  }
  if (problems.length === 0)
    return [
      {
        check: 'swarm services',
        status: 'ok',
        message: `${services.length} service(s); every referenced secret exists`,
      },
    ]
  return problems.map((message) => ({
    check: 'swarm services',
    status: 'fail' as const,
    message,
    hint: `hush push -e ${project.environment.name}, then hush export compose -e ${project.environment.name} and redeploy`,
  }))
}
