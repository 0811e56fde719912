/**
 * The review's reproductions of "unbounded work from the manifest", run through the real CLI:
 * a ReDoS pattern no longer hangs `check` or `set`, oversized and empty generators are refused
 * before anything is written, and an empty stored value is missing for `check`, `gen`, `run`
 * and `run --from-files`. No test asserts a duration: the hang would show as a vitest timeout.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hush, tmpProject } from '../helpers/project.js'

const CANARY = 'CANARY-hostile-work-7f3e9a1b2c4d'
const EVIL = `${'a'.repeat(50_000)}!`

describe('a catastrophic pattern: ^(a+)+$', () => {
  const manifest = `version: 1
project: redos
environments: { development: { path: s } }
secrets:
  token: { provide: true, pattern: "^(a+)+$" }
`

  it('set refuses the value that makes a backtracking engine hang, at once', async () => {
    const dir = tmpProject(manifest)
    const r = await hush(['set', 'token', '--stdin'], { cwd: dir, input: EVIL })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('HUSH_E_INPUT')
    expect(r.stderr).toContain('does not match the pattern /^(a+)+$/')
    expect(existsSync(join(dir, 's', 'token'))).toBe(false)
  }, 60_000)

  it('check reports it as a pattern mismatch, at once', async () => {
    const dir = tmpProject(manifest)
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(dir, 's'), { recursive: true, mode: 0o700 })
    writeFileSync(join(dir, 's', 'token'), EVIL, { mode: 0o600 })
    const r = await hush(['check', '--format', 'json'], { cwd: dir })
    expect(r.code).toBe(1)
    const codes = JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code)
    expect(codes).toContain('pattern')
  }, 60_000)
})

describe('generator sizes: refused when hush.yaml loads, before anything is written', () => {
  for (const [generator, message] of [
    ['rsa:65536', 'secrets.k.generate: rsa takes 2048 to 8192 bits, not 65536'],
    ['hex:100000000', 'secrets.k.generate: hex takes 16 to 1024 bytes of randomness, not 100000000'],
    ['password:0', 'secrets.k.generate: password takes 12 to 256 characters, not 0'],
    ['password:1', 'secrets.k.generate: password takes 12 to 256 characters, not 1'],
  ] as const)
    it(`gen refuses ${generator}`, async () => {
      const dir = tmpProject(
        `version: 1\nproject: big\nenvironments: { development: { path: s } }\nsecrets:\n  k: { generate: ${generator} }\n`,
      )
      const r = await hush(['gen'], { cwd: dir })
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('HUSH_E_MANIFEST_INVALID')
      expect(r.stderr).toContain(message.slice('secrets.k.generate: '.length))
      expect(existsSync(join(dir, 's'))).toBe(false)
    }, 60_000)
})

describe('an empty stored value is no value', () => {
  const manifest = `version: 1
project: empty
environments: { development: { path: s } }
secrets:
  api_key: { provide: true }
  db_password: { generate: password:24 }
  later: { provide: true, optional: true }
`
  async function withEmpty(): Promise<string> {
    const dir = tmpProject(manifest)
    expect((await hush(['set', 'api_key', '--stdin'], { cwd: dir, input: CANARY })).code).toBe(0)
    expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
    writeFileSync(join(dir, 's', 'api_key'), '\n') // emptied by hand (or written by an older hush)
    writeFileSync(join(dir, 's', 'later'), '', { mode: 0o600 })
    return dir
  }

  it('check reports it missing', async () => {
    const dir = await withEmpty()
    const r = await hush(['check', '--format', 'json'], { cwd: dir })
    expect(r.code).toBe(1)
    const findings = JSON.parse(r.stdout).findings as { code: string; secret: string }[]
    expect(findings.filter((f) => f.secret === 'api_key').map((f) => f.code)).toEqual(['missing'])
    expect(findings.filter((f) => f.secret === 'later')).toEqual([]) // optional: absent is fine
  }, 60_000)

  it('run refuses to start without it; an empty optional one is not injected', async () => {
    const dir = await withEmpty()
    const r = await hush(['run', '--', 'sh', '-c', 'echo ran'], { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('HUSH_E_SECRETS')
    expect(r.stderr).toContain('api_key')
    expect((await hush(['set', 'api_key', '--stdin'], { cwd: dir, input: CANARY })).code).toBe(0)
    const ok = await hush(['run', '--', 'sh', '-c', 'echo "${LATER-unset}|${#API_KEY}"'], { cwd: dir })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toBe(`unset|${CANARY.length}\n`)
  }, 60_000)

  it('gen fills an emptied generated value', async () => {
    const dir = await withEmpty()
    writeFileSync(join(dir, 's', 'db_password'), '')
    const r = await hush(['gen', '-q'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const check = await hush(['check', '--format', 'json'], { cwd: dir })
    const codes = JSON.parse(check.stdout).findings.map(
      (f: { secret: string; code: string }) => `${f.secret}:${f.code}`,
    )
    expect(codes).not.toContain('db_password:missing')
  }, 60_000)

  it('run --from-files refuses an X_FILE that is empty', async () => {
    const dir = tmpProject('')
    writeFileSync(join(dir, 'pg'), '\n')
    const r = await hush(['run', '--from-files', '--', 'sh', '-c', 'echo ran'], {
      cwd: '/',
      env: { HUSH_SECRETS_DIR: dir, POSTGRES_PASSWORD_FILE: join(dir, 'pg') },
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain(`POSTGRES_PASSWORD_FILE: ${join(dir, 'pg')} is empty`)
  }, 60_000)

  it('no output of these commands holds the value', async () => {
    const dir = await withEmpty()
    const outputs = await Promise.all(
      [['check'], ['status'], ['run', '--', 'true'], ['gen']].map((args) => hush(args, { cwd: dir })),
    )
    for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(CANARY)
    expect(readdirSync(join(dir, 's'))).toContain('api_key')
  }, 60_000)
})
