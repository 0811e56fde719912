/** The swarm an environment distributes to, and the settings its distribution uses. */
import { Engine, engineEndpoint } from '../../lib/docker.js'
import { SwarmStore } from '../../stores/swarm.js'
import { durationMs } from '../manifest/duration.js'
import type { EnvironmentSpec } from '../manifest/types.js'
import type { Project } from '../project.js'

const DEFAULT_CONVERGE_MS = 5 * 60_000

export function swarmOf(project: Project, env: EnvironmentSpec = project.environment): SwarmStore {
  const prefix = typeof env.options.prefix === 'string' ? env.options.prefix : project.manifest.project
  return new SwarmStore(new Engine(engineEndpoint(project.world.env)), prefix)
}

/** How long a service update may take before hush rolls it back (`converge_timeout`, default 5m). */
export function convergeTimeoutMs(env: EnvironmentSpec): number {
  const t = env.options.converge_timeout
  return typeof t === 'string' ? durationMs(t) : DEFAULT_CONVERGE_MS
}
