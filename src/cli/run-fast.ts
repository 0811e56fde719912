/**
 * `hush run` is on every container's start path, so its common forms skip the
 * full command-line parser: Node's own parseArgs reads them. Anything it does
 * not recognise (help, a typo) goes to the full CLI, which explains.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { findRuntimeIndex } from '../lib/runtime-index.js'
import type { RunFlags } from './commands/run.js'
import type { GlobalOptions } from './ui/output.js'

export interface FastRun {
  readonly opts: GlobalOptions
  readonly flags: RunFlags
  readonly command: string[]
}

/** The fast path needs a current runtime index (or --from-files); otherwise the full CLI refreshes it first. */
export function parseFastRun(argv: readonly string[]): FastRun | undefined {
  const end = argv.indexOf('--')
  if (argv[0] !== 'run' || end === -1 || end === argv.length - 1) return undefined
  try {
    const { values, positionals } = parseArgs({
      args: argv.slice(1, end),
      allowPositionals: true,
      options: {
        files: { type: 'boolean' },
        redact: { type: 'boolean' },
        'from-files': { type: 'boolean' },
        only: { type: 'string' },
        env: { type: 'string', short: 'e' },
        dir: { type: 'string', short: 'C' },
        quiet: { type: 'boolean', short: 'q' },
        'no-color': { type: 'boolean' },
      },
    })
    if (positionals.length > 0) return undefined
    if (!values['from-files']) {
      const found = findRuntimeIndex(resolve(process.cwd(), values.dir ?? '.'))
      if (!found?.index || found.stale) return undefined
    }
    return {
      opts: {
        ...(values.env ? { env: values.env } : {}),
        ...(values.dir ? { dir: values.dir } : {}),
        ...(values.quiet ? { quiet: true } : {}),
        ...(values['no-color'] ? { color: false } : {}),
      },
      flags: {
        ...(values.files ? { files: true } : {}),
        ...(values.redact ? { redact: true } : {}),
        ...(values['from-files'] ? { fromFiles: true } : {}),
        ...(values.only ? { only: values.only } : {}),
      },
      command: argv.slice(end + 1),
    }
  } catch {
    return undefined
  }
}
