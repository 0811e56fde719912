/**
 * hush scan end to end: planted credentials of every built-in format and the project's own value in
 * every encoding, found in the tree, in git history (also after deletion) and in staged changes;
 * baselines, allowlists, SARIF, the pre-commit hook — and no output ever holds a planted value.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BUILTIN_RULES } from '../../src/core/scan/rules.js'
import { type CliResult, git, hush, tmpProject } from '../helpers/project.js'
import { mkfifo } from '../helpers/special-files.js'
import { samples } from '../helpers/tokens.js'

const MANIFEST = `version: 1
project: scanme
environments: { development: { path: docker/secrets } }
secrets:
  session_key: { generate: base64:32 }
  db_password: { generate: password:24 }
  app_user: { value: appuser_fixed }
`

async function scanProject() {
  const dir = tmpProject(MANIFEST, { git: true })
  writeFileSync(join(dir, '.gitignore'), 'docker/secrets/\n.hush/\n')
  expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
  git(dir, 'add', '.')
  git(dir, 'commit', '-qm', 'init')
  const value = readFileSync(join(dir, 'docker', 'secrets', 'session_key'), 'utf8')
  return { dir, value }
}

function encodings(value: string): Record<string, string> {
  const b = Buffer.from(value)
  return {
    raw: `SESSION_KEY=${value}`,
    base64: `blob: ${b.toString('base64')}`,
    base64url: `blob: ${b.toString('base64url')}`,
    url: `https://x.test/?k=${encodeURIComponent(value)}`,
    hex: `hex = "${b.toString('hex')}"`,
    json: `{"k": ${JSON.stringify(value)}}`,
  }
}

function expectClean(r: CliResult, secrets: readonly string[]) {
  for (const s of secrets) {
    expect(r.stdout).not.toContain(s)
    expect(r.stderr).not.toContain(s)
  }
}

describe('hush scan', () => {
  it('finds every rule and every encoding of a known value in the tree, and prints none of them', async () => {
    const { dir, value } = await scanProject()
    const planted = samples(11)
    mkdirSync(join(dir, 'src'))
    for (const [rule, text] of Object.entries(planted))
      writeFileSync(join(dir, 'src', `${rule}.txt`), `x\n${text}\n`)
    const encoded = encodings(value)
    // base64 and base64url of a 32-byte key's base64 text are the same unless it holds + or /
    for (const [enc, text] of Object.entries(encoded))
      writeFileSync(join(dir, 'src', `known-${enc}.txt`), `${text}\n`)
    writeFileSync(
      join(dir, 'src', 'clean.ts'),
      'const token = scanner.next()\nconst password = process.env.DB_PASSWORD\n',
    )
    const r = await hush(['scan', '--format', 'json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(1)
    const { findings } = JSON.parse(r.stdout) as {
      findings: { rule: string; file: string; encoding?: string; secret?: string }[]
    }
    for (const rule of BUILTIN_RULES)
      expect(
        findings.some((f) => f.rule === rule.id && f.file === `src/${rule.id}.txt`),
        rule.id,
      ).toBe(true)
    const b64 = Buffer.from(value).toString('base64')
    for (const enc of Object.keys(encoded)) {
      // a form identical to another is reported under the first one's name
      const label =
        enc === 'base64url' && !/[+/]/.test(b64)
          ? 'base64'
          : enc === 'json' && JSON.stringify(value) === `"${value}"`
            ? 'raw'
            : enc
      expect(
        findings.some(
          (f) => f.file === `src/known-${enc}.txt` && f.secret === 'session_key' && f.encoding === label,
        ),
        enc,
      ).toBe(true)
    }
    expect(findings.filter((f) => f.file === 'src/clean.ts')).toEqual([])
    // the store itself and fixed values (user names) are not findings
    expect(findings.some((f) => f.file.startsWith('docker/secrets'))).toBe(false)
    expect(findings.some((f) => f.secret === 'app_user')).toBe(false)
    const text = await hush(['scan'], { cwd: dir })
    expect(text.stdout).toContain('src/github-token.txt')
    expect(text.stdout).toMatch(/session_key \(hex\)/)
    const b = Buffer.from(value)
    const forms = [
      value,
      b.toString('base64'),
      b.toString('base64url'),
      encodeURIComponent(value),
      b.toString('hex'),
    ]
    expectClean(r, [...forms, ...Object.values(planted)])
    expectClean(text, [value, ...Object.values(planted)])
    // --no-ignore still never reports the store
    const all = await hush(['scan', '--no-ignore', '--format', 'json'], { cwd: dir })
    expect(JSON.parse(all.stdout).findings.some((f: { file: string }) => f.file.startsWith('docker/'))).toBe(
      false,
    )
  })

  it('finds a secret in git history after a later commit deleted it, naming the commit that added it', async () => {
    const { dir, value } = await scanProject()
    const token = samples(5)['github-token']!
    writeFileSync(join(dir, 'deploy.sh'), `export GH=${token}\nexport KEY=${value}\n`)
    git(dir, 'add', 'deploy.sh')
    git(dir, 'commit', '-qm', 'add deploy script')
    const added = git(dir, 'rev-parse', 'HEAD').trim()
    rmSync(join(dir, 'deploy.sh'))
    git(dir, 'commit', '-qam', 'remove it again')
    const tree = await hush(['scan'], { cwd: dir })
    expect(tree.code).toBe(0)
    const r = await hush(['scan', '--git', '--format', 'json'], { cwd: dir })
    expect(r.code).toBe(1)
    const findings = JSON.parse(r.stdout).findings as {
      rule: string
      file: string
      commit: string
      author: string
    }[]
    expect(findings.map((f) => [f.rule, f.file, f.commit]).sort()).toEqual(
      [
        ['github-token', 'deploy.sh', added],
        ['known-value', 'deploy.sh', added],
      ].sort(),
    )
    expect(findings[0]!.author).toContain('@')
    expectClean(r, [token, value])
    const since = await hush(['scan', '--git', '--since', added, '--format', 'json'], { cwd: dir })
    expect(JSON.parse(since.stdout).findings).toEqual([])
  })

  it('--staged reads only what the commit adds, with the line numbers of the new file', async () => {
    const { dir, value } = await scanProject()
    writeFileSync(join(dir, 'app.env'), `A=1\nB=2\nSESSION=${value}\n`)
    writeFileSync(join(dir, 'unstaged.txt'), `${samples(3)['stripe-secret-key']}\n`)
    git(dir, 'add', 'app.env')
    const r = await hush(['scan', '--staged', '--format', 'json'], { cwd: dir })
    expect(r.code).toBe(1)
    const findings = JSON.parse(r.stdout).findings
    expect(
      findings.map((f: { file: string; line: number; secret: string }) => [f.file, f.line, f.secret]),
    ).toEqual([['app.env', 3, 'session_key']])
  })

  it('the pre-commit hook blocks a commit that adds a secret and lets a clean one through', async () => {
    const { dir } = await scanProject()
    const installed = await hush(['hook', 'install'], { cwd: dir })
    expect(installed.code, installed.stderr).toBe(0)
    writeFileSync(join(dir, 'ok.txt'), 'nothing to see\n')
    git(dir, 'add', 'ok.txt')
    const clean = spawnSync('git', ['commit', '-qm', 'clean'], { cwd: dir, encoding: 'utf8' })
    expect(clean.status, clean.stderr).toBe(0)
    writeFileSync(join(dir, 'leak.txt'), `${samples(9)['openai-api-key']}\n`)
    git(dir, 'add', 'leak.txt')
    // an unrelated `hush` on PATH (the npm name belongs to another package) must not stand in for hushkit
    const bin = mkdtempSync(join(tmpdir(), 'hush-other-'))
    writeFileSync(join(bin, 'hush'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` }
    const blocked = spawnSync('git', ['commit', '-qm', 'leak'], { cwd: dir, encoding: 'utf8', env })
    expect(blocked.status).not.toBe(0)
    expect(blocked.stdout + blocked.stderr).toContain('openai-api-key')
    // a hook someone else wrote is kept unless --force
    writeFileSync(join(dir, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\nexit 0\n')
    expect((await hush(['hook', 'install'], { cwd: dir })).code).toBe(2)
  })

  it('a baseline accepts today’s findings, hush:allow and scan.allow silence lines and paths, scan.rules adds rules', async () => {
    const dir = tmpProject(
      `${MANIFEST}scan:
  rules:
    - { id: acme-key, keywords: [acme_], regex: "acme_[a-z0-9]{20}" }
  allow:
    paths: ["fixtures/**"]
`,
      { git: true },
    )
    writeFileSync(join(dir, '.gitignore'), 'docker/secrets/\n.hush/\n')
    const s = samples(13)
    mkdirSync(join(dir, 'fixtures'))
    writeFileSync(join(dir, 'fixtures', 'tokens.txt'), `${s['github-token']}\n`)
    writeFileSync(
      join(dir, 'old.txt'),
      `${s['slack-token']}\nkey = "${s['stripe-secret-key']}" # hush:allow\n`,
    )
    writeFileSync(join(dir, 'acme.txt'), `acme_${'k3y9'.repeat(5)}\n`)
    const first = await hush(['scan', '--format', 'json'], { cwd: dir })
    expect(
      JSON.parse(first.stdout)
        .findings.map((f: { rule: string }) => f.rule)
        .sort(),
    ).toEqual(['acme-key', 'slack-token'])
    const write = await hush(['scan', '--baseline', 'scan-baseline.json', '--update-baseline'], { cwd: dir })
    expect(write.code).toBe(0)
    expect(readFileSync(join(dir, 'scan-baseline.json'), 'utf8')).not.toContain(s['slack-token']!)
    expect((await hush(['scan', '--baseline', 'scan-baseline.json'], { cwd: dir })).code).toBe(0)
    writeFileSync(join(dir, 'new.txt'), `${s['huggingface-token']}\n`)
    const next = await hush(['scan', '--baseline', 'scan-baseline.json'], { cwd: dir })
    expect(next.code).toBe(1)
    expect(next.stdout).toContain('new.txt')
    expect(next.stdout).not.toContain('old.txt')
    expect(next.stdout).toContain('(2 in the baseline)')
    const sarif = JSON.parse(
      (await hush(['scan', '--format', 'sarif', '--baseline', 'scan-baseline.json'], { cwd: dir })).stdout,
    )
    expect(sarif.version).toBe('2.1.0')
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['huggingface-token'])
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.region.startLine).toBe(1)
  })

  it('this repository scans clean: its tests build their tokens at run time', async () => {
    const r = await hush(['scan', '--format', 'json'], { cwd: join(import.meta.dirname, '..', '..') })
    expect(JSON.parse(r.stdout).findings).toEqual([])
    expect(r.code).toBe(0)
  })

  it('scans without a manifest (rules only) and explains its options', async () => {
    const dir = tmpProject('version: 1\nproject: x\nsecrets: {}\n')
    rmSync(join(dir, 'hush.yaml'))
    writeFileSync(join(dir, 'a.txt'), `${samples(2)['aws-access-key-id']}\n`)
    const r = await hush(['scan'], { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('aws-access-key-id')
    const help = await hush(['scan', '--help'], { cwd: dir })
    expect(help.stdout).toContain('--baseline')
  })

  it('skips FIFOs unopened, named or met while walking (also behind a link), with a note; the scan finishes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-scan-fifo-'))
    const token = samples(21)['github-token']!
    writeFileSync(join(dir, 'leak.txt'), `${token}\n`)
    // enough files for worker threads, with FIFOs and links among them
    mkdirSync(join(dir, 'many'))
    for (let i = 0; i < 300; i++) writeFileSync(join(dir, 'many', `f${i}.txt`), `line ${i}\n`)
    mkfifo(join(dir, 'pipe'))
    mkfifo(join(dir, 'many', 'deep-pipe'))
    symlinkSync('pipe', join(dir, 'link-to-pipe'))
    symlinkSync('/dev/zero', join(dir, 'link-to-zero'))
    for (const workers of ['0', '2']) {
      const walked = await hush(['scan', '--workers', workers], { cwd: dir })
      expect(walked.code, walked.stderr).toBe(1)
      expect(walked.stdout).toContain('leak.txt')
      expect(walked.stdout).toContain('skipped pipe: a FIFO, not a regular file (never opened)')
      expect(walked.stdout).toContain('skipped many/deep-pipe: a FIFO, not a regular file (never opened)')
      expect(walked.stdout).toMatch(
        /; skipped 2 FIFO, socket or device, 2 symbolic link\(s\) \(not followed\)$/m,
      )
      const json = JSON.parse(
        (await hush(['scan', '--workers', workers, '--format', 'json'], { cwd: dir })).stdout,
      )
      expect(json.stats.skipped).toMatchObject({ notRegular: 2, symlinks: 2 })
      expect(json.stats.notRegular).toEqual([
        { file: 'many/deep-pipe', type: 'a FIFO' },
        { file: 'pipe', type: 'a FIFO' },
      ])
      expect(json.stats.workers).toBe(workers === '0' ? 0 : 2)
      expectClean(walked, [token])
    }
    // named on the command line: the FIFO itself, and a link to it (followed, then refused)
    const named = await hush(['scan', 'pipe', 'link-to-pipe', 'link-to-zero', 'leak.txt'], { cwd: dir })
    expect(named.code).toBe(1)
    expect(named.stdout).toContain('skipped pipe: a FIFO, not a regular file (never opened)')
    expect(named.stdout).toContain('skipped link-to-pipe: a FIFO, not a regular file (never opened)')
    expect(named.stdout).toContain(
      'skipped link-to-zero: a character device, not a regular file (never opened)',
    )
    expect((await hush(['scan', 'pipe'], { cwd: dir })).code).toBe(0)
    // in a git work tree, git lists the links (never the FIFOs): links are not followed
    git(dir, 'init', '-q')
    git(dir, 'add', 'leak.txt', 'link-to-pipe')
    const inGit = await hush(['scan', '--format', 'json'], { cwd: dir })
    expect(JSON.parse(inGit.stdout).stats.skipped.symlinks).toBe(2)
    const missing = await hush(['scan', 'not-there'], { cwd: dir })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(`scan: ${join(dir, 'not-there')} does not exist`)
  })

  it('prints a file name holding ESC, BEL, newline and CSI escaped, in text, json and sarif', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-scan-names-'))
    const name = 'evil\x1b]0;pwned\x07\n\x1b[2Jname\u009b.txt'
    const token = samples(22)['github-token']!
    writeFileSync(join(dir, name), `${token}\n`)
    const escaped = '"evil\\x1b]0;pwned\\x07\\n\\x1b[2Jname\\x9b.txt"'
    // every control character but the newlines that end lines
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserts that none reaches the terminal
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/
    const text = await hush(['scan'], { cwd: dir })
    expect(text.code).toBe(1)
    expect(text.stdout.split('\n')[0]).toBe(escaped)
    const json = await hush(['scan', '--format', 'json'], { cwd: dir })
    expect(JSON.parse(json.stdout).findings[0].file).toBe(name)
    const sarif = await hush(['scan', '--format', 'sarif'], { cwd: dir })
    const location = JSON.parse(sarif.stdout).runs[0].results[0].locations[0].physicalLocation
      .artifactLocation
    expect(location.uri).toBe('evil%1B%5D0%3Bpwned%07%0A%1B%5B2Jname%C2%9B.txt')
    // git history: the path git prints and an author name with control characters
    git(dir, 'init', '-q')
    git(dir, 'add', '.')
    execFileSync(
      'git',
      ['-c', 'user.email=m@example.test', '-c', 'user.name=Mal\x1b]0;x\x07lory', 'commit', '-qm', 'x'],
      {
        cwd: dir,
      },
    )
    const history = await hush(['scan', '--git'], { cwd: dir })
    expect(history.code).toBe(1)
    expect(history.stdout).toContain('"Mal\\x1b]0;x\\x07lory <m@example.test>"')
    for (const r of [text, json, sarif, history]) {
      expect(r.stdout + r.stderr).not.toMatch(raw)
      expectClean(r, [token])
    }
  })
})
