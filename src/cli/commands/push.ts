import { sinkNamesOf } from '../../core/manifest/rules.js'
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
        hint: `declare it with store: swarm or distribute_to: [ENV] in hush.yaml, or name the target: hush ${verb}${envFlag(env.name)} ${verb === 'push' ? '--to' : '--from'} swarm (or another environment's name)`,
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

type PushResult = Awaited<ReturnType<typeof push>>

export async function run(
  ctx: Ctx,
  flags: { to?: string; dryRun?: boolean; prune?: boolean },
): Promise<number> {
  const project = await open(ctx)
  const { out } = ctx
  const env = project.environment
  // --to names one target; without it: the environment's own swarm and every distribute_to environment
  const targets: (string | undefined)[] = flags.to
    ? [flags.to]
    : [...(env.store === 'swarm' ? [undefined] : []), ...sinkNamesOf(env)]
  if (targets.length === 0) targets.push(undefined) // remoteOf explains what to declare
  const results: PushResult[] = []
  const failed: { target: string; code: string; message: string }[] = []
  for (const target of targets) {
    try {
      const result = await pushTo(ctx, project, target, flags)
      render(ctx, result, target !== undefined && target !== 'swarm', flags.prune === true)
      results.push(result)
    } catch (err) {
      if (targets.length === 1 || !(err instanceof HushError)) throw err
      out.error(err)
      failed.push({ target: target ?? 'swarm', code: err.code, message: err.message })
    }
  }
  out.document(targets.length === 1 ? results[0] : { env: env.name, targets: results, failed })
  if (failed.length > 0) {
    out.result(
      `pushed to ${results.length} of ${targets.length} targets; failed: ${failed.map((f) => f.target).join(', ')}`,
    )
    return 4
  }
  return results.some((r) => r.counts.missing > 0) ? 1 : 0
}

/** Push to one target: another environment's store (copy by fingerprint) or a swarm. */
async function pushTo(
  ctx: Ctx,
  project: Project,
  target: string | undefined,
  flags: { dryRun?: boolean; prune?: boolean },
): Promise<PushResult> {
  const other = target ? project.manifest.environments.get(target) : undefined
  const options = { dryRun: flags.dryRun === true, prune: flags.prune === true }
  if (other)
    return copyStore(
      project,
      { env: project.environment.name, store: project.store },
      { env: other.name, store: project.storeFor(other) },
      options,
    )
  return push(project, remoteOf(project, target, 'push'), {
    ...options,
    progress: (line) => {
      if (!ctx.out.json && !ctx.opts.quiet) ctx.streams.stderr.write(`${ctx.out.paint.dim(line)}\n`)
    },
  })
}

/** The plan or outcome of one target, as a table and a count line. */
function render(ctx: Ctx, result: PushResult, copy: boolean, prune: boolean): void {
  const { out } = ctx
  const { paint } = out
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
  out.table(
    ['', 'entry', ...(copy ? [] : ['swarm secret']), 'fingerprint', 'note'],
    result.rows.map((r) => [
      mark[r.action] ?? r.action,
      r.entry,
      ...(copy ? [] : [r.object ?? '-']),
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
    ...(prune ? [`${c.removed} ${will ? 'to remove' : 'removed'}`] : []),
    ...(c.missing ? [`${c.missing} missing locally`] : []),
  ]
  out.result(parts.join(', '))
  if (result.services.length > 0) out.line(`services updated: ${result.services.join(', ')}`)
}
