// bench/scale: hush gen and hush check at 10, 100, 1,000 and 10,000 secrets, against the
// hand-written scripts users run today (seed 000's generate_secrets.sh: `openssl rand` per
// file + chmod; a validate-env.sh loop: non-empty, no CHANGEME, mode 600). One machine, one run.
// Usage: npm run bench:scale [-- --sizes 10,100,1000,10000] [--no-peer]
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const args = process.argv.slice(2)
const sizes = (args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : '10,100,1000,10000')
  .split(',')
  .map(Number)
const peer = !args.includes('--no-peer')
const CLI = resolve(import.meta.dirname, '../dist/cli.cjs')

function time(cmd, argv, cwd) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, argv, {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HUSH_ACTOR: 'bench' },
  })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0 && !(argv.includes('check') && r.status === 1))
    throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`)
  return ms
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function project(n) {
  const dir = mkdtempSync(join(tmpdir(), `hush-bench-${n}-`))
  const lines = [
    'version: 1',
    'project: bench',
    'environments: { development: { path: secrets } }',
    'secrets:',
  ]
  for (let i = 0; i < n; i++) lines.push(`  key_${i}: { generate: base64:32 }`)
  writeFileSync(join(dir, 'hush.yaml'), `${lines.join('\n')}\n`)
  execFileSync('git', ['init', '-q'], { cwd: dir })
  writeFileSync(join(dir, '.gitignore'), '/secrets/\n.hush/\n')
  return dir
}

const GEN_SH = `set -e; mkdir -p secrets; cd secrets; for i in $(seq 0 $(($1-1))); do openssl rand -base64 32 > key_$i; done; chmod 600 key_*`
const CHECK_SH = `cd secrets; for f in key_*; do [ -s "$f" ] || echo "missing $f"; grep -q CHANGEME "$f" && echo "placeholder $f"; [ "$(stat -c %a "$f")" = 600 ] || echo "perms $f"; done; true`

const rows = []
for (const n of sizes) {
  const dir = project(n)
  const gen = time(process.execPath, [CLI, 'gen', '-q'], dir)
  const check = median([0, 1, 2].map(() => time(process.execPath, [CLI, 'check', '-q'], dir)))
  const row = { n, gen, check }
  if (peer) {
    const pdir = mkdtempSync(join(tmpdir(), `peer-bench-${n}-`))
    row.peerGen = time('bash', ['-c', GEN_SH, 'gen', String(n)], pdir)
    row.peerCheck = median([0, 1, 2].map(() => time('bash', ['-c', CHECK_SH], pdir)))
  }
  rows.push(row)
  process.stderr.write(`  measured ${n} secrets\n`)
}

const f = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`)
const header = [
  'secrets',
  'hush gen',
  'hush check',
  ...(peer ? ['shell gen', 'shell check', 'gen ratio', 'check ratio'] : []),
]
console.log(
  `node ${process.version}, ${process.platform}; ratio = shell time / hush time (higher is better for hush)`,
)
console.log(header.join('\t'))
for (const r of rows)
  console.log(
    [
      r.n,
      f(r.gen),
      f(r.check),
      ...(peer
        ? [
            f(r.peerGen),
            f(r.peerCheck),
            `${(r.peerGen / r.gen).toFixed(1)}x`,
            `${(r.peerCheck / r.check).toFixed(1)}x`,
          ]
        : []),
    ].join('\t'),
  )
console.log('\ngrowth per 10x more secrets (1.0 = constant, 10 = linear):')
for (let i = 1; i < rows.length; i++) {
  const a = rows[i - 1]
  const b = rows[i]
  console.log(
    `  ${a.n} → ${b.n}: gen ${(b.gen / a.gen).toFixed(1)}x, check ${(b.check / a.check).toFixed(1)}x`,
  )
}
const last = rows.at(-1)
console.log(`\ncheck on ${last.n} secrets: ${f(last.check)} (goal: under 2 s at 10,000)`)
