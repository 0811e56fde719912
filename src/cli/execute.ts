/** Run one command's action with its context, turning errors into messages and exit codes. */
import type { World } from '../core/world.js'
import { HushError } from '../lib/errors.js'
import { EXIT_PROBLEMS } from '../lib/exit-codes.js'
import type { Ctx } from './context.js'
import { type GlobalOptions, Output, type Streams } from './ui/output.js'

export type Action = (ctx: Ctx) => Promise<number>

export async function execute(
  action: Action,
  opts: GlobalOptions,
  streams: Streams,
  world: World,
): Promise<number> {
  const ctx: Ctx = { world, opts, out: new Output(streams, opts, world.env), streams }
  try {
    return await action(ctx)
  } catch (err) {
    if (err instanceof HushError) {
      ctx.out.error(err)
      return err.exitCode
    }
    // an unexpected error: its message may come from a library, so no stack unless asked
    const internal = new HushError('HUSH_E_INTERNAL', err instanceof Error ? err.message : String(err), {
      hint: 'this is a bug in hush; run with HUSH_DEBUG=1 for the stack and report it',
    })
    ctx.out.error(internal)
    if (world.env.HUSH_DEBUG && err instanceof Error) streams.stderr.write(`${err.stack}\n`)
    return EXIT_PROBLEMS
  }
}
