// bench/scan-hostile: the built-in scan rules on inputs that make a backtracking rule run for ever
// (test/helpers/hostile-inputs.ts); prints MB/s per input. A rule that backtracks shows up here as a
// figure orders of magnitude below the others. The unit test checks these inputs' findings, untimed.
// Usage: npm run bench:scan-hostile
import { cpus } from 'node:os'
import { buildScanner, scanBuffer } from '../src/core/scan/engine.ts'
import { BUILTIN_RULES } from '../src/core/scan/rules.ts'
import { HOSTILE_INPUTS } from '../test/helpers/hostile-inputs.ts'

const MB = 1024 * 1024
const ROUNDS = 5
const scanner = buildScanner({ rules: BUILTIN_RULES, known: [] })

console.log(`machine: ${cpus().length} cores, Node ${process.version}; best of ${ROUNDS} rounds, 1 thread`)
for (const [name, make] of HOSTILE_INPUTS) {
  const buf = make()
  scanBuffer(scanner, buf) // warm-up: compile and optimise
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now()
    scanBuffer(scanner, buf)
    best = Math.min(best, performance.now() - t0)
  }
  const mbps = buf.length / MB / (best / 1000)
  console.log(
    `  ${name.padEnd(22)} ${(buf.length / MB).toFixed(1).padStart(4)} MB  ${mbps.toFixed(0).padStart(5)} MB/s`,
  )
}
