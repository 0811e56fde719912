import { distribute, type Endpoint } from '../../core/distribute/distribute.js'
import type { PushResult } from '../../core/distribute/plan.js'
import { pushTargets } from '../../core/distribute/targets.js'
import type { Project } from '../../core/project.js'
import { HushError } from '../../lib/errors.js'
import { EXIT_OK, EXIT_PARTIAL, EXIT_PROBLEMS } from '../../lib/exit-codes.js'
import { type Ctx, open } from '../context.js'
import { progressOf } from '../ui/progress.js'

export async function run(
  ctx: Ctx,
  flags: { to?: string; dryRun?: boolean; prune?: boolean },
): Promise<number> {
  const project = await open(ctx)
  const { out } = ctx
  const env = project.environment
  // --to names one target; without it: the environment's own swarm and every distribute_to environment
  const targets = pushTargets(project, flags.to)
  const results: PushResult[] = []
  const failed: { target: string; code: string; message: string }[] = []
  for (const target of targets) {
    try {
      const result = await pushTo(ctx, project, target, flags)
      render(ctx, result, target.store.roll === undefined, flags.prune === true)
      results.push(result)
    } catch (err) {
      if (targets.length === 1 || !(err instanceof HushError)) throw err
      out.error(err)
      failed.push({
        target: target.store.roll ? target.store.kind : target.env,
        code: err.code,
        message: err.message,
      })
    }
  }
  out.document(targets.length === 1 ? results[0] : { env: env.name, targets: results, failed })
  if (failed.length > 0) {
    out.result(
      `pushed to ${results.length} of ${targets.length} targets; failed: ${failed.map((f) => f.target).join(', ')}`,
    )
    return EXIT_PARTIAL
  }
  return results.some((r) => r.counts.missing > 0) ? EXIT_PROBLEMS : EXIT_OK
}

/** Push to one target: the plan by fingerprint, applied unless --dry-run; progress of rolling consumers on stderr. */
async function pushTo(
  ctx: Ctx,
  project: Project,
  target: Endpoint,
  flags: { dryRun?: boolean; prune?: boolean },
): Promise<PushResult> {
  const progress = progressOf(ctx.out)
  try {
    return await distribute(project, { env: project.environment.name, store: project.store }, target, {
      dryRun: flags.dryRun === true,
      prune: flags.prune === true,
      progress: progress.emit,
    })
  } finally {
    progress.end()
  }
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
  if (result.repair) out.line(`  ${paint.yellow(result.repair)}`)
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
  if (result.overrides) out.line(result.overrides)
}
