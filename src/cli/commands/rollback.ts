/** `rollback`: a rotation whose new value is the one the last rotation replaced (engine mode 'rollback'). */
import { type Ctx, open } from '../context.js'
import { exitOf, runAll } from './rotate.js'

export interface RollbackFlags {
  allowDowntime?: boolean
}

export async function run(ctx: Ctx, names: string[], flags: RollbackFlags): Promise<number> {
  const project = await open(ctx)
  return exitOf(await runAll(ctx, project, names, 'rollback', false, flags.allowDowntime))
}
