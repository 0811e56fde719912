// bench/cloud-push: hush push of N secrets (default 50) to an AWS Secrets Manager environment, first
// push and an unchanged second push, against what seed-style scripts do today: one
// `aws secretsmanager create-secret` per file in a shell loop. Both talk to the same Secrets Manager
// API fixture on loopback (no AWS here), so the figures compare client work, not AWS latency.
// Needs the aws CLI (apt-get install awscli). Usage: npm run bench:cloud [-- --count 50]
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startAwsFixture } from '../test/fixtures/aws-secretsmanager-api.ts'

const args = process.argv.slice(2)
const count = Number(args.includes('--count') ? args[args.indexOf('--count') + 1] : 50)
const CLI = resolve(import.meta.dirname, '../dist/cli.cjs')
const aws = await startAwsFixture()
const env = {
  ...process.env,
  HUSH_ACTOR: 'bench',
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1', // the aws CLI v1 reads this one
  AWS_PAGER: '',
}

async function time(cmd, argv, cwd) {
  const t0 = process.hrtime.bigint()
  // async: the fixture answers in this process, so the child must not block its event loop
  const child = spawn(cmd, argv, { cwd, env })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const code = await new Promise((r) => child.on('close', r))
  if (code !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${stderr}`)
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, stdout }
}

if (spawnSync('aws', ['--version']).status !== 0) {
  console.error('bench:cloud needs the aws CLI (apt-get install awscli)')
  process.exit(2)
}
const dir = mkdtempSync(join(tmpdir(), 'hush-bench-cloud-'))
const lines = [
  'version: 1',
  'project: bench',
  'environments:',
  '  production: { path: s/prod }',
  `  aws_prod: { store: aws, endpoint: ${aws.endpoint}, prefix: bench/hush }`,
  'secrets:',
]
for (let i = 0; i < count; i++) lines.push(`  key_${i}: { generate: base64:32 }`)
writeFileSync(join(dir, 'hush.yaml'), `${lines.join('\n')}\n`)
try {
  await time(process.execPath, [CLI, 'gen', '-q', '-e', 'production'], dir)
  const first = await time(process.execPath, [CLI, 'push', '-e', 'production', '--to', 'aws_prod'], dir)
  const second = await time(process.execPath, [CLI, 'push', '-e', 'production', '--to', 'aws_prod'], dir)
  const summary = second.stdout.trim().split('\n').at(-1)
  const peer = await time(
    'bash',
    [
      '-c',
      `cd s/prod && set -e; for f in key_*; do aws secretsmanager create-secret --endpoint-url ${aws.endpoint} --name bench/peer/$f --secret-string file://$f >/dev/null; done`,
    ],
    dir,
  )
  const versions = [...aws.secrets.values()].reduce((n, s) => n + s.versions.size, 0)
  console.log(`push of ${count} secrets to AWS Secrets Manager (API fixture on loopback, both clients):`)
  console.log(`  hush push (first):            ${first.ms.toFixed(0)} ms`)
  console.log(`  hush push (second, no-op):    ${second.ms.toFixed(0)} ms  → ${summary}`)
  console.log(`  aws secretsmanager loop:      ${peer.ms.toFixed(0)} ms`)
  console.log(`  ratio hush / loop:            ${(first.ms / peer.ms).toFixed(3)}x`)
  console.log(`  versions stored: ${versions} for ${2 * count} secrets (one each)`)
} finally {
  await aws.close()
}
