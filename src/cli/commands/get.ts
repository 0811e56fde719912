import { describeSecret, revealSecret } from '../../core/status/get.js'
import { EXIT_OK } from '../../lib/exit-codes.js'
import { type Ctx, open } from '../context.js'

export async function run(ctx: Ctx, name: string, flags: { reveal?: boolean }): Promise<number> {
  const project = await open(ctx)
  const { out, streams } = ctx
  if (flags.reveal) {
    const value = await revealSecret(project, name)
    if (out.json) out.document({ name, env: project.environment.name, value })
    else streams.stdout.write(streams.stdout.isTTY ? `${value}\n` : value)
    return EXIT_OK
  }
  const info = await describeSecret(project, name)
  const field = (label: string, value: string | number | undefined) => {
    if (value !== undefined) out.result(`${out.paint.dim(label.padEnd(12))} ${value}`)
  }
  field('secret', info.entry)
  field('environment', info.env)
  field('store', info.store)
  field('source', info.source)
  field('state', info.state)
  field('env var', info.envName)
  field('description', info.description)
  field('version', info.version)
  field('fingerprint', info.fingerprint)
  field('created', info.createdAt)
  field('rotated', info.rotatedAt && `${info.rotatedAt} (${info.age} ago)`)
  field('policy', info.policy)
  field('next', info.nextRotation)
  out.document(info)
  return EXIT_OK
}
