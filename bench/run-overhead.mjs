// bench/run-overhead: the cost `hush run` adds to a container start, against the tools people use today.
// hyperfine times, in one run on this machine, with the same 20 values:
//   hush run -- /bin/true            (files store, 20 secrets)
//   dotenv run -f .env -- /bin/true  (the dotenv package's CLI)
//   dotenvx run -f .env -- /bin/true
// and `node -e 0` (Node's own start-up) so that the overhead above Node can be compared too.
// Usage: npm run bench:run (needs hyperfine: apt-get install hyperfine)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const dir = mkdtempSync(join(tmpdir(), 'hush-run-bench-'))
const names = Array.from({ length: 20 }, (_, i) => `secret_${i}`)
writeFileSync(
  join(dir, 'hush.yaml'),
  `version: 1\nproject: bench\nenvironments: { development: { path: secrets } }\nsecrets:\n${names.map((n) => `  ${n}: { generate: base64:32 }`).join('\n')}\n`,
)
execFileSync(process.execPath, [join(root, 'dist/cli.cjs'), 'gen', '-q'], { cwd: dir })
// the same 20 values as a .env file for the peers
writeFileSync(
  join(dir, '.env'),
  names.map((n) => `${n.toUpperCase()}=${readFileSync(join(dir, 'secrets', n), 'utf8')}`).join('\n'),
)

const commands = {
  hush: `node ${join(root, 'dist/cli.cjs')} run -- /bin/true`,
  dotenv: `${bin('dotenv')} run -q -f .env -- /bin/true`,
  dotenvx: `${bin('dotenvx')} run -q -f .env -- /bin/true`,
  node: 'node -e 0',
}
const json = join(dir, 'hyperfine.json')
execFileSync(
  'hyperfine',
  [
    '-N',
    '--warmup',
    '5',
    '--runs',
    '40',
    '--export-json',
    json,
    ...Object.values(commands).flatMap((c) => ['-n', c, c]),
  ],
  { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
)
const results = JSON.parse(readFileSync(json, 'utf8')).results
const mean = Object.fromEntries(Object.keys(commands).map((k, i) => [k, results[i].mean * 1000]))
const sd = Object.fromEntries(Object.keys(commands).map((k, i) => [k, results[i].stddev * 1000]))
const row = (k) =>
  `${k.padEnd(8)} ${mean[k].toFixed(1).padStart(6)} ms ± ${sd[k].toFixed(1)}   over Node: ${(mean[k] - mean.node).toFixed(1)} ms`
console.log(`node ${process.version}, 20 secrets, hyperfine --runs 40`)
for (const k of Object.keys(commands)) console.log(row(k))
console.log(`\nhush / dotenv:  ${(mean.hush / mean.dotenv).toFixed(2)}x   (goal: <= 1.00)`)
console.log(
  `hush / dotenvx: ${(mean.hush / mean.dotenvx).toFixed(2)}x   (goal: <= 0.20; over Node's own start-up: ${((mean.hush - mean.node) / (mean.dotenvx - mean.node)).toFixed(2)}x)`,
)
