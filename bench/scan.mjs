// bench/scan: hush scan against secretlint (recommended preset) on the same corpus, in one run, plus
// hush's own figures for the goals in SCANNER.md: rules per core, known-value mode per core, git
// history, and the pre-commit hook end to end.
// Usage: npm run bench:scan [-- --peer-mb 3]   (secretlint runs at ~0.05 MB/s: its corpus is a slice)
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'

const args = process.argv.slice(2)
const peerMb = Number(args.includes('--peer-mb') ? args[args.indexOf('--peer-mb') + 1] : 3)
const ROOT = resolve(import.meta.dirname, '..')
const CLI = join(ROOT, 'dist/cli.cjs')
const NODE_MODULES = join(ROOT, 'node_modules')
const MB = 1e6

function run(cmd, argv, cwd, ok = [0, 1]) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, argv, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, NO_COLOR: '1' },
  })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (!ok.includes(r.status))
    throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`)
  return { ms, stdout: r.stdout }
}
const hushScan = (argv, cwd) => {
  const r = run(process.execPath, [CLI, 'scan', '--format', 'json', ...argv], cwd)
  const { stats, findings } = JSON.parse(r.stdout)
  return { ...r, stats, findings: findings.length }
}

function textFiles(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) textFiles(p, out)
    else if (e.isFile() && /\.(js|cjs|mjs|ts|json|md|map|yml|yaml|txt)$/.test(e.name)) out.push(p)
  }
  return out
}

// the corpus: the project's node_modules (text files), and a slice of it for secretlint
const all = textFiles(NODE_MODULES).sort()
const slice = mkdtempSync(join(tmpdir(), 'hush-scan-corpus-'))
let sliceBytes = 0
for (const f of all) {
  const size = statSync(f).size
  if (size > 200_000) continue
  if (sliceBytes + size > peerMb * MB) break
  const to = join(slice, 'corpus', relative(NODE_MODULES, f))
  mkdirSync(dirname(to), { recursive: true })
  copyFileSync(f, to)
  sliceBytes += size
}
writeFileSync(
  join(slice, '.secretlintrc.json'),
  JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }),
)

const lines = []
const say = (s) => {
  lines.push(s)
  console.log(s)
}
say(`machine: ${cpus().length} cores, Node ${process.version}`)

// 1. the same slice: hush (rules, one thread) vs secretlint
const hushSlice = hushScan(['corpus', '--workers', '0', '--no-ignore'], slice)
const peer = run(
  join(ROOT, 'node_modules/.bin/secretlint'),
  ['corpus/**/*', '--format', 'json', '--no-color'],
  slice,
  [0, 1],
)
const mbps = (bytes, ms) => bytes / MB / (ms / 1000)
const hushMbps = mbps(sliceBytes, hushSlice.ms)
const peerMbps = mbps(sliceBytes, peer.ms)
say(`same corpus (${(sliceBytes / MB).toFixed(1)} MB, ${hushSlice.stats.files} files):`)
say(
  `  hush scan (all rules, 1 thread, whole process): ${hushSlice.ms.toFixed(0)} ms = ${hushMbps.toFixed(1)} MB/s, ${hushSlice.findings} findings`,
)
say(
  `  secretlint (recommended preset):                ${peer.ms.toFixed(0)} ms = ${peerMbps.toFixed(3)} MB/s`,
)
say(`  ratio: hush is ${(hushMbps / peerMbps).toFixed(0)}x faster`)

// 2. the whole node_modules: one thread and all cores (engine throughput from hush's own stats)
const one = hushScan([NODE_MODULES, '--no-ignore', '--workers', '0'], ROOT)
const many = hushScan([NODE_MODULES, '--no-ignore'], ROOT)
say(`node_modules (${(one.stats.bytes / MB).toFixed(0)} MB, ${one.stats.files} files), all rules:`)
say(`  1 thread:  ${mbps(one.stats.bytes, one.stats.ms).toFixed(0)} MB/s per core`)
say(`  ${many.stats.workers} workers: ${mbps(many.stats.bytes, many.stats.ms).toFixed(0)} MB/s in all`)

// 3. known-value mode: a project with 50 secrets, values only, one thread
const proj = mkdtempSync(join(tmpdir(), 'hush-scan-known-'))
const secrets = Array.from({ length: 50 }, (_, i) => `  key_${i}: { generate: base64:32 }`).join('\n')
writeFileSync(join(proj, 'hush.yaml'), `version: 1\nproject: scanbench\nsecrets:\n${secrets}\n`)
run(process.execPath, [CLI, 'gen', '-q'], proj, [0])
const known = hushScan([NODE_MODULES, '--no-ignore', '--no-rules', '--workers', '0'], proj)
say(
  `known-value mode (50 secrets x 10 encodings, 1 thread): ${mbps(known.stats.bytes, known.stats.ms).toFixed(0)} MB/s per core`,
)
const both = hushScan([NODE_MODULES, '--no-ignore', '--workers', '0'], proj)
say(`rules + known values (1 thread): ${mbps(both.stats.bytes, both.stats.ms).toFixed(0)} MB/s per core`)

// 4. git history: a repository whose 20 commits each add a slice of node_modules
const repo = mkdtempSync(join(tmpdir(), 'hush-scan-history-'))
const git = (...a) =>
  execFileSync('git', ['-c', 'user.email=b@bench', '-c', 'user.name=bench', ...a], { cwd: repo })
git('init', '-q')
const chunk = Math.ceil(Math.min(all.length, 6000) / 20)
for (let c = 0; c < 20; c++) {
  for (const f of all.slice(c * chunk, (c + 1) * chunk)) {
    const to = join(repo, relative(NODE_MODULES, f))
    mkdirSync(dirname(to), { recursive: true })
    copyFileSync(f, to)
  }
  git('add', '-A')
  git('commit', '-qm', `commit ${c}`)
}
const history = hushScan(['--git'], repo)
const mib = history.stats.bytes / 1048576
say(
  `git history (${history.stats.files} blobs, ${mib.toFixed(0)} MiB, 20 commits): ${history.ms.toFixed(0)} ms = ${(mib / (history.ms / 1000)).toFixed(0)} MiB/s (whole process)`,
)

// 5. the pre-commit hook on a typical commit: 3 files, ~150 changed lines, in this project
const hookRepo = mkdtempSync(join(tmpdir(), 'hush-scan-hook-'))
execFileSync('cp', [
  '-r',
  join(ROOT, 'src'),
  join(ROOT, 'hush.yaml').replace('hush.yaml', 'README.md'),
  hookRepo,
])
writeFileSync(join(hookRepo, 'hush.yaml'), `version: 1\nproject: hookbench\nsecrets:\n${secrets}\n`)
const hg = (...a) =>
  execFileSync('git', ['-c', 'user.email=b@bench', '-c', 'user.name=bench', ...a], { cwd: hookRepo })
hg('init', '-q')
writeFileSync(join(hookRepo, '.gitignore'), '.secrets/\n.hush/\n')
run(process.execPath, [CLI, 'gen', '-q'], hookRepo, [0])
hg('add', '-A')
hg('commit', '-qm', 'base')
run(process.execPath, [CLI, 'hook', 'install'], hookRepo, [0])
const times = []
for (let i = 0; i < 10; i++) {
  for (const f of ['src/cli/main.ts', 'src/core/scan/scan.ts', 'README.md'])
    writeFileSync(join(hookRepo, f), `${'// a changed line\n'.repeat(50)}${i}\n`, { flag: 'a' })
  hg('add', '-A')
  const t0 = process.hrtime.bigint()
  hg('commit', '-qm', `change ${i}`)
  times.push(Number(process.hrtime.bigint() - t0) / 1e6)
}
times.sort((a, b) => a - b)
say(
  `pre-commit hook, git commit of 3 files / 150 lines (10 runs): median ${times[5].toFixed(0)} ms, max ${times[9].toFixed(0)} ms`,
)
