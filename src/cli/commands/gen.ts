import { gen } from '../../core/generate/gen.js'
import { EXIT_OK } from '../../lib/exit-codes.js'
import { type Ctx, envFlag, open } from '../context.js'

export async function run(
  ctx: Ctx,
  names: string[],
  flags: { force?: boolean; dryRun?: boolean },
): Promise<number> {
  const project = await open(ctx)
  for (const w of project.manifest.warnings) ctx.out.warn(w)
  const result = await project.locked(() => gen(project, { names, force: flags.force, dryRun: flags.dryRun }))
  const { out } = ctx
  const { paint } = out
  const shown = result.rows.filter((r) => r.action !== 'optional')
  const colour: Record<string, (t: string) => string> = {
    create: paint.green,
    regenerate: paint.yellow,
    update: paint.yellow,
    keep: paint.dim,
    'needs-input': paint.red,
    blocked: paint.red,
  }
  out.line(
    `${flags.dryRun ? 'plan for' : 'secrets of'} ${paint.bold(result.env)} (${project.environment.store} ${project.store.location})`,
  )
  out.table(
    ['secret', 'action', 'fingerprint'],
    shown.map((r) => [r.entry, (colour[r.action] ?? String)(r.action), r.fingerprint ?? r.note ?? '']),
  )
  const changed = result.rows.filter(
    (r) => r.action === 'create' || r.action === 'regenerate' || r.action === 'update',
  )
  out.line()
  out.line(
    changed.length === 0
      ? 'nothing to do: every secret that hush makes is present'
      : `${flags.dryRun ? 'would write' : 'wrote'} ${changed.length} entr${changed.length === 1 ? 'y' : 'ies'}`,
  )
  if (result.needsInput.length > 0) {
    out.line(`still to provide in ${result.env}:`)
    for (const name of result.needsInput) out.line(`  hush set ${name}${envFlag(result.env)}`)
  }
  out.document({
    env: result.env,
    dryRun: flags.dryRun === true,
    rows: result.rows,
    needsInput: result.needsInput,
  })
  return EXIT_OK
}
