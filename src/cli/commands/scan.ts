import { spawnSync } from 'node:child_process'
import { relative, resolve } from 'node:path'
import { readBaseline, writeBaseline } from '../../core/scan/baseline.js'
import { projectScanSettings } from '../../core/scan/project-scan.js'
import { DEFAULT_MAX_SIZE, type ScanFinding, type ScanResult, scan } from '../../core/scan/scan.js'
import { displayPath, jsonText } from '../../lib/display.js'
import { HushError } from '../../lib/errors.js'
import { EXIT_OK, EXIT_PROBLEMS } from '../../lib/exit-codes.js'
import { type Ctx, open, worldOf } from '../context.js'
import { scanSarif } from '../ui/sarif.js'
import { VERSION } from '../version.js'

export interface ScanFlags {
  git?: boolean
  since?: string
  staged?: boolean
  known?: boolean
  rules?: boolean
  ignore?: boolean
  maxSize?: string
  format?: string
  baseline?: string
  updateBaseline?: boolean
  workers?: string
}

function gitTop(cwd: string): string {
  const r = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8' })
  if (r.status !== 0)
    throw new HushError('HUSH_E_USAGE', 'scan --git and --staged need a git repository', {
      hint: 'run it inside the repository, or scan paths without --git',
    })
  return r.stdout.trim()
}

async function projectOrNone(ctx: Ctx) {
  try {
    return await open(ctx)
  } catch (err) {
    if (err instanceof HushError && err.code === 'HUSH_E_MANIFEST_NOT_FOUND') return undefined
    throw err
  }
}

export async function run(ctx: Ctx, paths: string[], flags: ScanFlags): Promise<number> {
  const format = flags.format ?? (ctx.opts.json ? 'json' : 'text')
  if (!['text', 'json', 'sarif'].includes(format))
    throw new HushError('HUSH_E_USAGE', `unknown format "${format}"`, { hint: 'use text, json or sarif' })
  if (flags.git && flags.staged)
    throw new HushError('HUSH_E_USAGE', '--git and --staged are different sources', { hint: 'pick one' })
  if (flags.updateBaseline && !flags.baseline)
    throw new HushError('HUSH_E_USAGE', '--update-baseline needs --baseline FILE', {
      hint: 'hush scan --baseline .hush-scan-baseline.json --update-baseline',
    })
  const world = worldOf(ctx)
  const project = await projectOrNone(ctx)
  const mode = flags.git ? 'git' : flags.staged ? 'staged' : 'files'
  const root = flags.git || flags.staged ? gitTop(world.cwd) : (project?.manifest.root ?? world.cwd)
  const settings = project ? await projectScanSettings(project, flags.known !== false) : undefined
  for (const env of settings?.unreadable ?? [])
    ctx.out.warn(`the values of ${env} could not be read: known-value mode skips them`)
  const baselineFile = flags.baseline ? resolve(world.cwd, flags.baseline) : undefined
  const { stderr } = ctx.streams
  const tty = stderr.isTTY === true && format === 'text' && !ctx.opts.quiet
  let lastDraw = 0
  const result = await scan({
    root,
    mode,
    paths: paths.map((p) => resolve(world.cwd, p)),
    ...(flags.since ? { since: flags.since } : {}),
    known: settings?.known ?? [],
    extraRules: settings?.extraRules ?? [],
    rules: flags.rules !== false,
    exclude: [...(settings?.exclude ?? []), ...(baselineFile ? [baselineFile] : [])],
    allowPaths: settings?.allowPaths ?? [],
    allowIds: settings?.allowIds ?? [],
    noIgnore: flags.ignore === false,
    maxSize: flags.maxSize ? Number(flags.maxSize) : DEFAULT_MAX_SIZE,
    ...(flags.workers !== undefined ? { workers: Number(flags.workers) } : {}),
    ...(tty
      ? {
          progress: (done: number, total: number, bytes: number) => {
            const now = Date.now()
            if (now - lastDraw < 100 && done < total) return
            lastDraw = now
            const width = 30
            const filled = total ? Math.round((done / total) * width) : width
            stderr.write(
              `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} ${mode === 'git' ? 'blobs' : 'files'} ${(bytes / 1e6).toFixed(1)} MB`,
            )
          },
        }
      : {}),
  })
  if (tty && lastDraw > 0) stderr.write('\r\x1b[K')
  const accepted = baselineFile ? await readBaseline(baselineFile) : new Set<string>()
  const fresh = result.findings.filter((f) => !accepted.has(f.id))
  if (baselineFile && flags.updateBaseline) {
    await writeBaseline(baselineFile, result.findings)
    ctx.out.line(
      `wrote ${displayPath(relative(world.cwd, baselineFile))}: ${result.findings.length} finding(s) accepted`,
    )
    return report(ctx, format, result, [], root)
  }
  return report(ctx, format, result, fresh, root)
}

/** `; skipped 2 binary, 1 not a regular file`: the kinds that occurred. */
function skippedText({ skipped }: ScanResult['stats']): string {
  const parts = [
    [skipped.binary, 'binary'],
    [skipped.large, 'over the size cap'],
    [skipped.notRegular, 'FIFO, socket or device'],
    [skipped.symlinks, 'symbolic link(s) (not followed)'],
  ] as const
  const seen = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`)
  return seen.length > 0 ? `; skipped ${seen.join(', ')}` : ''
}

function report(ctx: Ctx, format: string, result: ScanResult, fresh: ScanFinding[], root: string): number {
  const { out, streams } = ctx
  const { stats } = result
  const seconds = stats.ms / 1000
  const mbps = stats.bytes / 1e6 / Math.max(seconds, 1e-3)
  const code = fresh.length > 0 ? EXIT_PROBLEMS : EXIT_OK
  const isNew = new Set(fresh.map((f) => f.id))
  // file names are exact in JSON (tools open them); jsonText leaves no raw control character
  if (format === 'json') {
    streams.stdout.write(
      `${jsonText({ mode: result.mode, findings: result.findings.map((f) => ({ ...f, new: isNew.has(f.id) })), stats: { ...stats, mbPerSecond: Number(mbps.toFixed(1)) } }, 2)}\n`,
    )
    return code
  }
  if (format === 'sarif') {
    streams.stdout.write(`${jsonText(scanSarif(fresh, root, VERSION), 2)}\n`)
    return code
  }
  const { paint } = out
  let file = ''
  for (const f of fresh) {
    if (f.file !== file) {
      file = f.file
      out.result(paint.bold(displayPath(file)))
    }
    const where = `${f.line}:${f.column}`.padEnd(8)
    const origin = f.commit
      ? paint.dim(`  ${f.commit.slice(0, 10)} ${displayPath(f.author ?? '')} ${f.date?.slice(0, 10)}`)
      : ''
    out.result(`  ${where} ${paint.red(f.rule.padEnd(22))} ${f.preview} ${paint.dim(`[${f.id}]`)}${origin}`)
  }
  for (const n of stats.notRegular)
    out.line(paint.dim(`skipped ${displayPath(n.file)}: ${n.type}, not a regular file (never opened)`))
  const verdict = fresh.length > 0 ? paint.red(`${fresh.length} finding(s)`) : paint.green('no findings')
  const baselined = result.findings.length - fresh.length
  out.result(
    `${verdict}${baselined > 0 ? ` (${baselined} in the baseline)` : ''}: ${stats.files} ${result.mode === 'git' ? 'blobs' : 'files'}, ${(stats.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s (${mbps.toFixed(0)} MB/s${stats.workers > 0 ? `, ${stats.workers} workers` : ''})${skippedText(stats)}`,
  )
  if (fresh.length > 0)
    out.line(
      paint.dim(
        'fix: remove the value and rotate it (hush rotate NAME for hush-managed secrets); a false positive: add `hush:allow` to the line, or its id to scan.allow.fingerprints in hush.yaml',
      ),
    )
  return code
}
