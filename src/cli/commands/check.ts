import { check } from '../../core/check/index.js'
import { HushError } from '../../lib/errors.js'
import { EXIT_OK, EXIT_PROBLEMS } from '../../lib/exit-codes.js'
import { type Ctx, open } from '../context.js'
import { toSarif } from '../ui/sarif.js'
import { VERSION } from '../version.js'

const FORMATS = ['text', 'json', 'sarif'] as const

export async function run(ctx: Ctx, flags: { format?: string }): Promise<number> {
  const format = flags.format ?? (ctx.opts.json ? 'json' : 'text')
  if (!(FORMATS as readonly string[]).includes(format))
    throw new HushError('HUSH_E_USAGE', `unknown format "${format}"`, {
      hint: `use one of ${FORMATS.join(', ')}`,
    })
  const project = await open(ctx)
  for (const w of project.manifest.warnings) ctx.out.warn(w)
  const result = await check(project)
  const { out, streams } = ctx
  const failed = result.summary.errors > 0 ? EXIT_PROBLEMS : EXIT_OK
  if (format === 'json') {
    streams.stdout.write(
      `${JSON.stringify({ findings: result.findings, summary: { env: result.env, ...result.summary } }, null, 2)}\n`,
    )
    return failed
  }
  if (format === 'sarif') {
    streams.stdout.write(`${JSON.stringify(toSarif(result, project.manifest.root, VERSION), null, 2)}\n`)
    return failed
  }
  const { paint } = out
  for (const f of result.findings) {
    const level = f.severity === 'error' ? paint.red('error  ') : paint.yellow('warning')
    out.result(`${level} ${paint.bold(f.code.padEnd(11))} ${f.message}`)
    out.line(`        ${paint.dim(`fix: ${f.hint}`)}`)
  }
  const { errors, warnings, secrets } = result.summary
  const verdict = errors > 0 ? paint.red('FAIL') : paint.green('OK')
  out.result(
    `${verdict} ${result.env}: ${secrets} secrets checked, ${errors} error(s), ${warnings} warning(s)`,
  )
  return failed
}
