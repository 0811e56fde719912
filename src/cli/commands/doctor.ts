import { doctor } from '../../core/doctor/doctor.js'
import { EXIT_OK, EXIT_PROBLEMS } from '../../lib/exit-codes.js'
import { type Ctx, open } from '../context.js'

export async function run(ctx: Ctx): Promise<number> {
  const project = await open(ctx)
  const probes = await doctor(project)
  const { out } = ctx
  const { paint } = out
  const mark = {
    ok: paint.green('ok  '),
    warn: paint.yellow('warn'),
    fail: paint.red('FAIL'),
    skip: paint.dim('skip'),
  }
  for (const p of probes) {
    out.result(`${mark[p.status]} ${paint.bold(p.check)}: ${p.message}`)
    if (p.hint) out.line(`     ${paint.dim(`fix: ${p.hint}`)}`)
  }
  out.document({ env: project.environment.name, probes })
  return probes.some((p) => p.status === 'fail') ? EXIT_PROBLEMS : EXIT_OK
}
