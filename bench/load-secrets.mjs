// bench/load-secrets: loadSecrets() for 100 secrets from a secrets directory (the /run/secrets layout),
// measured inside one Node process after start-up. Goal: under 5 ms.
// Usage: npm run bench:load (after npm run build)
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const dir = mkdtempSync(join(tmpdir(), 'hush-load-bench-'))
const names = Array.from({ length: 100 }, (_, i) => `secret_${i}`)
for (const n of names) writeFileSync(join(dir, n), `${Buffer.from(n.repeat(3)).toString('base64')}\n`)
const env = { HUSH_SECRETS_DIR: dir, NODE_ENV: 'production' }

const t0 = performance.now()
const { loadSecrets } = await import('../dist/index.js')
const imported = performance.now() - t0
const first = performance.now()
await loadSecrets({ required: names, env, cwd: dir })
const firstMs = performance.now() - first
const runs = []
for (let i = 0; i < 200; i++) {
  const t = performance.now()
  await loadSecrets({ required: names, env, cwd: dir })
  runs.push(performance.now() - t)
}
runs.sort((a, b) => a - b)
console.log(`node ${process.version}: import('hushkit') ${imported.toFixed(2)} ms`)
console.log(
  `loadSecrets, 100 secrets: first call ${firstMs.toFixed(2)} ms, then median ${runs[100].toFixed(2)} ms, p95 ${runs[190].toFixed(2)} ms (goal: < 5 ms)`,
)
