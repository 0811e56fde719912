// bench/push: hush push of N secrets (default 200) to the local swarm, first push and an
// unchanged second push, against what seed-style scripts do today: `docker secret create` in a
// shell loop, one CLI call per secret. Needs a Docker engine in swarm mode (see .ci/run).
// Usage: npm run bench:push [-- --count 200]
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const args = process.argv.slice(2)
const count = Number(args.includes('--count') ? args[args.indexOf('--count') + 1] : 200)
const CLI = resolve(import.meta.dirname, '../dist/cli.cjs')
const tag = `b${process.pid}`

function time(cmd, argv, cwd) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', env: { ...process.env, HUSH_ACTOR: 'bench' } })
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`)
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, stdout: r.stdout }
}

function cleanup(label) {
  const ids = execFileSync('docker', ['secret', 'ls', '-q', '--filter', `label=${label}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean)
  for (let i = 0; i < ids.length; i += 100)
    execFileSync('docker', ['secret', 'rm', ...ids.slice(i, i + 100)], { stdio: 'ignore' })
}

const dir = mkdtempSync(join(tmpdir(), 'hush-bench-push-'))
const lines = ['version: 1', `project: ${tag}`, 'environments: { production: { store: swarm } }', 'secrets:']
for (let i = 0; i < count; i++) lines.push(`  key_${i}: { generate: base64:32 }`)
writeFileSync(join(dir, 'hush.yaml'), `${lines.join('\n')}\n`)
time(process.execPath, [CLI, 'gen', '-q', '-e', 'production'], dir)

try {
  const first = time(process.execPath, [CLI, 'push', '-e', 'production'], dir)
  const second = time(process.execPath, [CLI, 'push', '-e', 'production'], dir)
  const summary = second.stdout.trim().split('\n').at(-1)
  // the peer: one `docker secret create` per file, as generate/deploy scripts do
  const peer = time(
    'bash',
    [
      '-c',
      `cd .secrets/production && for f in key_*; do docker secret create --label bench=${tag}peer ${tag}peer_$f $f >/dev/null; done`,
    ],
    dir,
  )
  console.log(`push of ${count} secrets to the local swarm (engine concurrency 8):`)
  console.log(`  hush push (first):           ${first.ms.toFixed(0)} ms`)
  console.log(`  hush push (second, no-op):   ${second.ms.toFixed(0)} ms  → ${summary}`)
  console.log(`  docker secret create loop:   ${peer.ms.toFixed(0)} ms`)
  console.log(`  ratio hush / loop:           ${(first.ms / peer.ms).toFixed(3)}x`)
} finally {
  cleanup(`hush.project=${tag}`)
  cleanup(`bench=${tag}peer`)
}
