import module from 'node:module'
import { realWorld } from '../core/world.js'
import { EXIT_PROBLEMS } from '../lib/exit-codes.js'
import { run } from './commands/run.js'
import { execute } from './execute.js'
import { parseFastRun } from './run-fast.js'

// Node >= 22.1 caches compiled code between runs; hush run starts every container
;(module as { enableCompileCache?: () => void }).enableCompileCache?.()

// hush supports Node 20 until 2027-02-01 (README, "Node versions"): the AWS SDK's warning that its
// releases after early January 2027 need Node 22 is not the user's to act on in every aws/ssm command
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

// lazy: creating Node's stdio streams costs a millisecond that `hush run` (stdio inherited) never needs
const streams = {
  get stdout() {
    return process.stdout
  },
  get stderr() {
    return process.stderr
  },
  get stdin() {
    return process.stdin
  },
}
const argv = process.argv.slice(2)

async function start(): Promise<number> {
  const fast = parseFastRun(argv)
  // the run path is bundled into this entry: one module to load on every container start
  if (fast) return execute((ctx) => run(ctx, fast.command, fast.flags), fast.opts, streams, realWorld())
  const { main } = await import('./main.js')
  return main(argv, streams)
}

let settled = false
// a command whose promise never settles (a connection dropped without an error) must not exit 0 in silence
process.once('beforeExit', () => {
  if (settled) return
  process.stderr.write(
    'error [HUSH_E_INTERNAL]: hush stopped before the command finished (a connection closed without an answer)\n',
  )
  process.exitCode = EXIT_PROBLEMS
})
start().then(
  (code) => {
    settled = true
    process.exitCode = code
  },
  (err: unknown) => {
    settled = true
    process.stderr.write(`error [HUSH_E_INTERNAL]: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = EXIT_PROBLEMS
  },
)
