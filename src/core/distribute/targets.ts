/** Which stores `hush push` and `hush pull` move values between, from hush.yaml and --to / --from. */
import { HushError } from '../../lib/errors.js'
import { descriptorOf, STORE_KINDS } from '../../stores/registry.js'
import { sinkNamesOf } from '../manifest/rules.js'
import type { Project } from '../project.js'
import type { Endpoint } from './distribute.js'

/**
 * The endpoint a --to / --from names: another environment of hush.yaml (its store), or a store kind
 * that distributes (`swarm`: the swarm this environment would use); without a name, the
 * environment's own target.
 */
export function endpointOf(project: Project, name: string | undefined, verb: 'push' | 'pull'): Endpoint {
  const env = project.environment
  const other = name ? project.manifest.environments.get(name) : undefined
  if (other) return { env: other.name, store: project.storeFor(other) }
  const target =
    name === undefined
      ? project.target
      : STORE_KINDS.includes(name)
        ? project.targetOf(descriptorOf(name))
        : undefined
  if (target) return { env: env.name, store: target }
  const to = verb === 'push' ? 'to' : 'from'
  if (name === undefined)
    throw new HushError(
      'HUSH_E_USAGE',
      `environment ${env.name} keeps its values in a local ${env.store} store: there is nothing to ${verb} ${to}`,
      {
        hint: `declare it with store: swarm or distribute_to: [ENV] in hush.yaml, or name the target: hush ${verb}${env.name === 'development' ? '' : ` -e ${env.name}`} --${to} swarm (or another environment's name)`,
      },
    )
  throw new HushError('HUSH_E_STORE_UNSUPPORTED', `${verb} ${to} ${name} is not available yet`, {
    hint: 'name swarm, or an environment of hush.yaml (e.g. one with store: vault, aws, ssm, gcp, azure or k8s)',
  })
}

/** Where `hush push` goes: the one --to names, else the environment's own target and every distribute_to environment. */
export function pushTargets(project: Project, to: string | undefined): Endpoint[] {
  if (to) return [endpointOf(project, to, 'push')]
  const names = sinkNamesOf(project.environment)
  const own = project.target || names.length === 0 ? [endpointOf(project, undefined, 'push')] : []
  return [...own, ...names.map((n) => endpointOf(project, n, 'push'))]
}
