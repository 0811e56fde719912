import { resolve } from 'node:path'
import type { Project } from '../core/project.js'
import type { World } from '../core/world.js'
import type { GlobalOptions, Output, Streams } from './ui/output.js'

/** What every command gets: its world, the parsed global options and the output. */
export interface Ctx {
  readonly world: World
  readonly opts: GlobalOptions
  readonly out: Output
  readonly streams: Streams
}

/** The world as seen from `-C DIR`. */
export function worldOf(ctx: Ctx): World {
  return ctx.opts.dir ? { ...ctx.world, cwd: resolve(ctx.world.cwd, ctx.opts.dir) } : ctx.world
}

export async function open(ctx: Ctx): Promise<Project> {
  const { openProject } = await import('../core/project.js') // keeps yaml and zod off the start-up path
  return openProject(worldOf(ctx), ctx.opts.env, {
    allowOutsideProject: ctx.opts.allowOutsideProject === true,
    adopt: ctx.opts.adopt === true,
  })
}

/** `-e production` in hints, nothing for the default environment. */
export function envFlag(env: string): string {
  return env === 'development' ? '' : ` -e ${env}`
}
