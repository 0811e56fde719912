import { main } from './main.js'

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`error [HUSH_E_INTERNAL]: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  },
)
