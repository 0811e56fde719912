// bench/scan: hush scan against secretlint (recommended preset) on the same corpus, in one run, plus
// hush's own figures for the goals in SCANNER.md: rules per core, known-value mode per core, git
// history, and the pre-commit hook end to end.
// Usage: npm run bench:scan
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'

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

// the corpus: a copy of the project's node_modules (secretlint skips directories named node_modules)
const all = textFiles(NODE_MODULES).sort()
const copy = mkdtempSync(join(tmpdir(), 'hush-scan-corpus-'))
execFileSync('cp', ['-r', NODE_MODULES, join(copy, 'corpus')])
writeFileSync(
  join(copy, '.secretlintrc.json'),
  JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }),
)

const lines = []
const say = (s) => {
  lines.push(s)
  console.log(s)
}
say(`machine: ${cpus().length} cores, Node ${process.version}`)
const mbps = (bytes, ms) => bytes / MB / (ms / 1000)

// 1. the same corpus, whole processes: hush (all rules, all cores) vs secretlint (recommended preset)
const hushAll = hushScan(['corpus', '--no-ignore'], copy)
const hushOne = hushScan(['corpus', '--no-ignore', '--workers', '0'], copy)
const peer = run(
  join(ROOT, 'node_modules/.bin/secretlint'),
  ['corpus/**/*', '--format', 'json', '--no-color'],
  copy,
  [0, 1],
)
const bytes = hushAll.stats.bytes // the text both read (hush skips binaries and files over 10 MB)
say(`same corpus: node_modules, ${hushAll.stats.files} files, ${(bytes / MB).toFixed(0)} MB of text`)
say(
  `  hush scan, ${hushAll.stats.workers} workers: ${hushAll.ms.toFixed(0)} ms = ${mbps(bytes, hushAll.ms).toFixed(0)} MB/s, ${hushAll.findings} findings`,
)
say(`  hush scan, 1 thread:  ${hushOne.ms.toFixed(0)} ms = ${mbps(bytes, hushOne.ms).toFixed(0)} MB/s`)
say(`  secretlint:           ${peer.ms.toFixed(0)} ms = ${mbps(bytes, peer.ms).toFixed(1)} MB/s`)
say(
  `  ratio: hush is ${(peer.ms / hushAll.ms).toFixed(1)}x faster (${(peer.ms / hushOne.ms).toFixed(1)}x on one thread)`,
)

// 2. engine throughput, from hush's own stats
const one = hushScan([NODE_MODULES, '--no-ignore', '--workers', '0'], ROOT)
const many = hushScan([NODE_MODULES, '--no-ignore'], ROOT)
say(`engine (hush's own timing: listing, reading and scanning, no process start), all rules:`)
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
