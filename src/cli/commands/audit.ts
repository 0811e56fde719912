import { join } from 'node:path'
import { AuditLog, auditBroken } from '../../core/audit/log.js'
import { findManifest, manifestNotFound } from '../../core/manifest/load.js'
import { HushError } from '../../lib/errors.js'
import { EXIT_OK, EXIT_PROBLEMS } from '../../lib/exit-codes.js'
import { type Ctx, worldOf } from '../context.js'

function auditLog(ctx: Ctx): AuditLog {
  const world = worldOf(ctx)
  const manifest = findManifest(world.cwd)
  if (!manifest) throw manifestNotFound(world.cwd)
  return new AuditLog(join(manifest, '..', '.hush'), world.env)
}

/** What an OK verify proved: the chain, and which entries the audit key authenticates. */
function verdict(entries: number, legacy: number): string {
  if (entries === 0) return ''
  if (legacy === 0) return ', chain intact, every entry authenticated by the audit key'
  return `, chain intact, ${entries - legacy} authenticated by the audit key, ${legacy} unauthenticated legacy`
}

export async function run(ctx: Ctx, action: string | undefined, flags: { lines?: string }): Promise<number> {
  const log = auditLog(ctx)
  const { out } = ctx
  if (action === 'verify') {
    const { entries, legacy, problems, notes } = await log.verify()
    for (const p of problems)
      out.result(`${out.paint.red('broken')}${p.line > 0 ? ` line ${p.line}` : ''}: ${p.problem}`)
    for (const n of notes) out.line(`${out.paint.yellow('note')} ${n}`)
    out.document({ ok: problems.length === 0, entries, legacy, problems, notes })
    if (problems.length > 0) {
      if (!out.json) throw auditBroken(problems.length)
      return EXIT_PROBLEMS
    }
    out.result(`${out.paint.green('OK')} ${entries} entries${verdict(entries, legacy)}`)
    return EXIT_OK
  }
  if (action !== undefined && action !== 'tail')
    throw new HushError('HUSH_E_USAGE', `unknown audit action "${action}"`, {
      hint: 'use `hush audit tail` or `hush audit verify`',
    })
  const count = Number.parseInt(flags.lines ?? '20', 10)
  const entries = (await log.entries()).slice(-count)
  out.table(
    ['#', 'when', 'who', 'action', 'env', 'secret', 'fingerprint'],
    entries.map((e) => [
      String(e.seq),
      e.ts,
      e.actor,
      e.detail ? `${e.action}:${e.detail}` : e.action,
      e.env ?? '-',
      e.secret,
      e.fp ?? '-',
    ]),
  )
  out.document({ entries })
  return EXIT_OK
}
