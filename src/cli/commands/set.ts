import { promises as fs } from 'node:fs'
import { setSecret, settableSpec } from '../../core/generate/set.js'
import { HushError, ioError } from '../../lib/errors.js'
import { EXIT_OK } from '../../lib/exit-codes.js'
import { stripOneNewline } from '../../lib/newline.js'
import { type Ctx, open } from '../context.js'
import { promptHidden, readAll } from '../ui/prompt.js'

export interface SetFlags {
  stdin?: boolean
  file?: string
  allowPlaceholder?: boolean
}

async function readValue(ctx: Ctx, name: string, flags: SetFlags): Promise<string> {
  if (flags.stdin && flags.file) throw new HushError('HUSH_E_USAGE', 'use --stdin or --file, not both')
  if (flags.file) {
    try {
      return stripOneNewline(await fs.readFile(flags.file, 'utf8'))
    } catch (err) {
      throw ioError('read', flags.file, err)
    }
  }
  if (flags.stdin) return stripOneNewline(await readAll(ctx.streams.stdin))
  if (!ctx.streams.stdin.isTTY || ctx.opts.yes)
    throw new HushError('HUSH_E_NO_INPUT', `no value for ${name}: stdin is not a terminal`, {
      hint: `pipe it in with --stdin (printf %s "$TOKEN" | hush set ${name} --stdin) or use --file F`,
    })
  return promptHidden(ctx.streams, `value for ${name} (input hidden): `)
}

export async function run(ctx: Ctx, name: string, flags: SetFlags): Promise<number> {
  const project = await open(ctx)
  settableSpec(project, name) // fail on an unknown name before asking for a value
  const value = await readValue(ctx, name, flags)
  const result = await project.locked(() => setSecret(project, name, value, flags))
  const { out } = ctx
  const was = result.previousFingerprint ? ` (was ${result.previousFingerprint})` : ''
  out.line(
    `${out.paint.green('set')} ${name} in ${result.env}: version ${result.version}, fingerprint ${result.fingerprint}${was}`,
  )
  for (const row of result.derived)
    out.line(`  ${row.action} ${row.entry} ${row.fingerprint ?? row.note ?? ''}`)
  out.document(result)
  return EXIT_OK
}
