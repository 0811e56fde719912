import { status } from '../../core/status/status.js'
import { EXIT_OK, EXIT_OVERDUE, EXIT_PROBLEMS } from '../../lib/exit-codes.js'
import { type Ctx, envFlag, open } from '../context.js'

export async function run(ctx: Ctx, flags: { check?: boolean }): Promise<number> {
  const project = await open(ctx)
  const result = await status(project)
  const { out } = ctx
  const { paint } = out
  const colour = {
    ok: paint.green,
    overdue: paint.red,
    missing: paint.red,
    'needs-input': paint.yellow,
    optional: paint.dim,
    stale: paint.red,
    unverified: paint.yellow,
    unknown: paint.red,
  }
  out.line(`${paint.bold(result.env)} (${result.store})`)
  out.table(
    ['secret', 'version', 'age', 'policy', 'next rotation', 'state'],
    result.rows.map((r) => [
      r.secret,
      r.version === undefined ? '-' : String(r.version),
      r.age ?? '-',
      r.policy ?? '-',
      r.nextRotation ?? '-',
      colour[r.state](r.state),
    ]),
  )
  if (result.overdue > 0) out.line(`\n${result.overdue} secret(s) overdue for rotation`)
  const stale = result.rows.filter((r) => r.state === 'stale').map((r) => r.secret)
  if (stale.length > 0)
    out.line(`\n${stale.join(', ')}: stale (does not match its inputs); fix: hush gen${envFlag(result.env)}`)
  const unverified = result.rows.filter((r) => r.state === 'unverified').map((r) => r.secret)
  if (unverified.length > 0)
    out.line(
      `\n${unverified.join(', ')}: unverified (the store's labels do not describe the value it holds: a write was cut off); fix: hush push, or hush rotate NAME --resume when a job is open`,
    )
  if (result.storeError) {
    out.line(`\n${paint.red('store unreadable')}: [${result.storeError.code}] ${result.storeError.message}`)
    if (result.storeError.hint) out.line(`fix: ${result.storeError.hint}`)
  }
  if (result.jobs.length > 0) {
    out.line('\nrotation jobs')
    out.table(
      ['secret', 'job', 'state', 'since', 'problem'],
      result.jobs.map((j) => [j.secret, j.job, j.state, j.since, j.problem ? paint.red(j.problem) : '-']),
    )
  }
  out.document(result)
  if (result.repairs.length > 0) {
    out.line('\nmirrors needing repair')
    out.table(
      ['mirror', 'entries', 'since', 'left by'],
      result.repairs.map((r) => [paint.red(r.mirror), r.entries.join(', '), r.at, `${r.cause} (${r.code})`]),
    )
    out.line(`repair: hush push${envFlag(result.env)} (pushes to every distribute_to mirror)`)
  }
  if (result.storeError) return EXIT_PROBLEMS
  const problems =
    result.overdue + unverified.length + result.jobs.filter((j) => j.problem).length + result.repairs.length
  return flags.check && problems > 0 ? EXIT_OVERDUE : EXIT_OK
}
