import { distribute } from '../../core/distribute/distribute.js'
import { endpointOf } from '../../core/distribute/targets.js'
import { EXIT_OK } from '../../lib/exit-codes.js'
import { type Ctx, open } from '../context.js'

/** `hush pull --from swarm`: Swarm never returns values, so pull compares metadata and says so. */
export async function run(ctx: Ctx, flags: { from?: string; dryRun?: boolean }): Promise<number> {
  const project = await open(ctx)
  const source = endpointOf(project, flags.from, 'pull')
  if (source.store.capabilities.returnsValues) {
    // another environment's readable store (vault, files, dotenv, sealed) into this one
    const result = await distribute(
      project,
      source,
      { env: project.environment.name, store: project.store },
      { dryRun: flags.dryRun === true },
    )
    ctx.out.table(
      ['', 'entry', 'fingerprint', 'note'],
      result.rows.map((r) => [r.action, r.entry, r.fingerprint ?? '-', r.note ?? '']),
    )
    const c = result.counts
    ctx.out.result(
      `${c.created} new, ${c.updated} changed, ${c.unchanged} unchanged in ${project.environment.name} from ${source.env}${result.dryRun ? ' (dry run: nothing written)' : ''}`,
    )
    ctx.out.document(result)
    return EXIT_OK
  }
  const swarm = source.store
  const remote = await swarm.list()
  const rows = await Promise.all(
    remote.map(async (r) => {
      const value = await project.store.read(r.name)
      const local = value === undefined ? undefined : project.fingerprint(value)
      const state = local === undefined ? 'only in swarm' : local === r.fingerprint ? 'same' : 'differs'
      return { entry: r.name, version: r.version, fingerprint: r.fingerprint, local: local ?? null, state }
    }),
  )
  const { out } = ctx
  out.line(`${out.paint.bold(project.environment.name)} ← ${swarm.location}`)
  out.table(
    ['entry', 'version', 'swarm', 'local', 'state'],
    rows.map((r) => [r.entry, `v${r.version}`, r.fingerprint, r.local ?? '-', r.state]),
  )
  out.result(
    'Swarm never returns secret values: nothing was imported. The table compares fingerprints; to recover a value, rotate it or `hush set` it.',
  )
  out.document({ env: project.environment.name, source: swarm.location, imported: 0, rows })
  return EXIT_OK
}
