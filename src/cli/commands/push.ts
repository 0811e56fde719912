import type { EnvironmentSpec } from '../../core/manifest/types.js'
import type { Project } from '../../core/project.js'
import { copyStore } from '../../core/swarm/copy.js'
import { push } from '../../core/swarm/push.js'
import { swarmOf } from '../../core/swarm/target.js'
import { HushError } from '../../lib/errors.js'
import type { SwarmStore } from '../../stores/swarm.js'
import { type Ctx, envFlag, open } from '../context.js'

/** The swarm an environment pushes to: its own (store: swarm) or the one --to names. */
export function remoteOf(project: Project, to: string | undefined, verb: 'push' | 'pull'): SwarmStore {
  const env: EnvironmentSpec = project.environment
  const kind = to ?? (env.store === 'swarm' ? 'swarm' : undefined)
  if (kind === 'swarm') return swarmOf(project)
  if (kind === undefined)
    throw new HushError(
      'HUSH_E_USAGE',
      `environment ${env.name} keeps its values in a local ${env.store} store: there is nothing to ${verb} ${verb === 'push' ? 'to' : 'from'}`,
      {
        hint: `declare it with store: swarm in hush.yaml, or name the target: hush ${verb}${envFlag(env.name)} ${verb === 'push' ? '--to' : '--from'} swarm (or another environment's name)`,
      },
    )
  throw new HushError(
    'HUSH_E_STORE_UNSUPPORTED',
    `${verb} ${verb === 'push' ? 'to' : 'from'} ${kind} is not available yet`,
    {
      hint: 'name swarm, or an environment of hush.yaml (e.g. one with store: vault, aws, ssm, gcp, azure or k8s)',
    },
  )
}

export async function run(
  ctx: Ctx,
  flags: { to?: string; dryRun?: boolean; prune?: boolean },
): Promise<number> {
  const project = await open(ctx)
  const { out } = ctx
  const { paint } = out
  const other = flags.to ? project.manifest.environments.get(flags.to) : undefined
  const result = other
    ? // another environment's store (vault, files, dotenv, sealed): copy by fingerprint
      await copyStore(
        project,
        { env: project.environment.name, store: project.store },
        { env: other.name, store: project.storeFor(other) },
        { dryRun: flags.dryRun === true, prune: flags.prune === true },
      )
    : await push(project, remoteOf(project, flags.to, 'push'), {
        dryRun: flags.dryRun === true,
        prune: flags.prune === true,
        progress: (line) => {
          if (!out.json && !ctx.opts.quiet) ctx.streams.stderr.write(`${paint.dim(line)}\n`)
        },
      })
  const mark: Record<string, string> = {
    '+': paint.green('+'),
    '~': paint.yellow('~'),
    '=': paint.dim('='),
    '-': paint.red('-'),
    missing: paint.red('!'),
    'in-use': paint.dim('='),
  }
  out.line(
    `${paint.bold(result.env)} → ${result.target}${result.dryRun ? ' (dry run: nothing changed)' : ''}`,
  )
  // a swarm push names each entry's versioned secret; a copy to another store has one place, named above
  const perEntry = !other
  out.table(
    ['', 'entry', ...(perEntry ? ['swarm secret'] : []), 'fingerprint', 'note'],
    result.rows.map((r) => [
      mark[r.action] ?? r.action,
      r.entry,
      ...(perEntry ? [r.object ?? '-'] : []),
      r.fingerprint ?? '-',
      r.note ?? '',
    ]),
  )
  const c = result.counts
  const will = result.dryRun
  const parts = [
    `${c.created} ${will ? 'to create' : 'created'}`,
    `${c.updated} ${will ? 'to update' : 'updated'}`,
    `${c.unchanged} unchanged`,
    ...(flags.prune ? [`${c.removed} ${will ? 'to remove' : 'removed'}`] : []),
    ...(c.missing ? [`${c.missing} missing locally`] : []),
  ]
  out.result(parts.join(', '))
  if (result.services.length > 0) out.line(`services updated: ${result.services.join(', ')}`)
  out.document(result)
  return c.missing > 0 ? 1 : 0
}
