import { runChild } from '../../core/inject/child.js'
import { removeStaleSecretsDirs, type SecretsDir, writeSecretsDir } from '../../core/inject/files-dir.js'
import { Redactor } from '../../core/inject/redact.js'
import { runValues } from '../../core/inject/values.js'
import { defaultEnvironment } from '../../lib/environment.js'
import { HushError } from '../../lib/errors.js'
import { type Ctx, worldOf } from '../context.js'

export interface RunFlags {
  files?: boolean
  redact?: boolean
  only?: string
  fromFiles?: boolean
}

export async function run(ctx: Ctx, command: string[], flags: RunFlags): Promise<number> {
  const [cmd, ...args] = command
  if (!cmd) throw new HushError('HUSH_E_USAGE', 'no command to run', { hint: 'hush run -- node server.js' })
  const world = worldOf(ctx)
  for (const stale of removeStaleSecretsDirs())
    ctx.out.warn(
      `removed ${stale.path}: the --files directory of a hush run (pid ${stale.pid}) that was killed`,
    )
  const only = flags.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  let env: NodeJS.ProcessEnv = { ...world.env }
  let secrets: { name: string; value: string }[]
  let dir: SecretsDir | undefined
  if (flags.fromFiles) {
    if (flags.files) throw new HushError('HUSH_E_USAGE', '--from-files and --files exclude each other')
    const { envFromFiles } = await import('../../core/inject/from-files.js')
    const result = envFromFiles(env, only)
    env = result.env
    secrets = result.filled.map((name) => ({ name: name.toLowerCase(), value: env[name]! }))
  } else {
    const values = await runValues(world.cwd, defaultEnvironment(ctx.opts.env, world.env), only)
    secrets = values.map((v) => ({ name: v.entry, value: v.value }))
    if (flags.files) {
      dir = await writeSecretsDir(values)
      Object.assign(env, dir.env)
    } else for (const v of values) env[v.envName] = v.value
  }
  const redact = flags.redact ? { stdout: new Redactor(secrets), stderr: new Redactor(secrets) } : undefined
  if (redact && redact.stdout.skipped.length > 0)
    ctx.out.warn(`too short to redact (under 4 characters): ${redact.stdout.skipped.join(', ')}`)
  try {
    return await runChild(cmd, args, { env, redact, streams: ctx.streams })
  } finally {
    dir?.remove()
  }
}
