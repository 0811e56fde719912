import { type RotateMode, type RotateResult, rotate } from '../../core/rotate/engine.js'
import { openJobs } from '../../core/rotate/jobs.js'
import { describePlan, dueTargets, isManual } from '../../core/rotate/plan.js'
import { HushError } from '../../lib/errors.js'
import { EXIT_OK, EXIT_PARTIAL } from '../../lib/exit-codes.js'
import { type Ctx, envFlag, open, worldOf } from '../context.js'
import { progressOf } from '../ui/progress.js'

export interface RotateFlags {
  due?: boolean
  dryRun?: boolean
  resume?: boolean
  abort?: boolean
  retire?: string
  allowDowntime?: boolean
}

export async function run(ctx: Ctx, names: string[], flags: RotateFlags): Promise<number> {
  const project = await open(ctx)
  const { out } = ctx
  const env = project.environment.name
  const modes = [flags.resume, flags.abort, flags.retire !== undefined, flags.due].filter(Boolean).length
  if (modes > 1)
    throw new HushError('HUSH_E_USAGE', '--due, --resume, --abort and --retire exclude each other')
  const mode: RotateMode = flags.resume
    ? 'resume'
    : flags.abort
      ? 'abort'
      : flags.retire !== undefined
        ? 'retire'
        : 'start'
  let targets = flags.retire !== undefined ? [flags.retire, ...names] : names
  if (flags.due) {
    // overdue secrets start a new job; jobs whose grace window ended are finished
    const { resume: waiting, start: overdue } = await dueTargets(project)
    const results = [
      ...(await runAll(ctx, project, waiting, 'resume', flags.dryRun)),
      ...(await runAll(ctx, project, overdue, 'start', flags.dryRun, flags.allowDowntime)),
    ]
    if (waiting.length + overdue.length === 0) out.line(`nothing is due in ${env}`)
    return exitOf(results)
  }
  if (mode === 'resume' && targets.length === 0) targets = (await openJobs(project)).map((j) => j.secret)
  if (targets.length === 0)
    throw new HushError('HUSH_E_USAGE', 'name the secrets to rotate, or use --due', {
      hint: `hush rotate jwt_secret${envFlag(env)}`,
    })
  return exitOf(await runAll(ctx, project, targets, mode, flags.dryRun, flags.allowDowntime))
}

export type Outcome = RotateResult | { secret: string; error: HushError }

export async function runAll(
  ctx: Ctx,
  project: Awaited<ReturnType<typeof open>>,
  names: readonly string[],
  mode: RotateMode,
  dryRun: boolean | undefined,
  allowDowntime?: boolean,
): Promise<Outcome[]> {
  const { out } = ctx
  const outcomes: Outcome[] = []
  const failAt = worldOf(ctx).env.HUSH_FAILPOINT
  // a test hook: HUSH_FAILPOINT=<STATE> (after it is journaled) or before:<STATE> kills the process there
  const failpoint = failAt
    ? (point: string) => point === failAt && process.kill(process.pid, 'SIGKILL')
    : undefined
  const progress = progressOf(out)
  for (const name of names) {
    if (dryRun) {
      out.result(`${name}: would ${mode} — ${await describePlan(project, name)}`)
      continue
    }
    const spec = project.manifest.byName.get(name)
    if (mode === 'start' && isManual(spec)) {
      // a person rotates it: say how; `hush set` records the rotation (new version, rotatedAt, audit)
      out.result(
        `${out.paint.bold(name)}: rotated by hand — issue a new credential at its provider, then run: hush set ${name}${envFlag(project.environment.name)}`,
      )
      outcomes.push({
        secret: name,
        env: project.environment.name,
        job: '-',
        state: 'PLANNED',
        steps: [{ state: 'PLANNED', note: 'manual' }],
      })
      continue
    }
    try {
      const r = await rotate(project, name, mode, {
        allowDowntime: allowDowntime === true,
        progress: progress.emit,
        ...(failpoint ? { failpoint } : {}),
      }).finally(progress.end)
      outcomes.push(r)
      out.result(
        `${out.paint.bold(name)}: ${r.steps.map((s) => s.state.toLowerCase()).join(' → ') || 'no step due'} (${r.state})`,
      )
      for (const s of r.steps.filter((x) => x.note)) out.line(`  ${s.state.toLowerCase()}: ${s.note}`)
      if (r.fromFingerprint || r.toFingerprint)
        out.line(`  fingerprint ${r.fromFingerprint ?? '-'} → ${r.toFingerprint ?? '-'}`)
      if (r.state === 'GRACE')
        out.line(
          `  the old key verifies until ${r.graceUntil}; then run hush rotate --due (or --retire ${name} to end it now)`,
        )
    } catch (err) {
      if (!(err instanceof HushError)) throw err
      outcomes.push({ secret: name, error: err })
      out.error(err)
    }
  }
  out.document({
    env: project.environment.name,
    results: outcomes.map((o) =>
      'error' in o
        ? { secret: o.secret, error: { code: o.error.code, message: o.error.message, hint: o.error.hint } }
        : o,
    ),
  })
  return outcomes
}

export function exitOf(outcomes: readonly Outcome[]): number {
  const failed = outcomes.filter((o) => 'error' in o)
  if (failed.length === 0) return EXIT_OK
  if (failed.length === outcomes.length && failed.length === 1)
    return (failed[0] as { error: HushError }).error.exitCode
  return EXIT_PARTIAL
}
