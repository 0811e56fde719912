/** Every check code, each from a bad state made for real: chmod, chown, git add, files written by hand. */
import { chmodSync, chownSync, cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Finding } from '../../src/core/check/types.js'
import { git, hush, tmpProject } from '../helpers/project.js'

const manifest = `version: 1
project: checks
environments:
  development: { path: secrets/dev }
  production: { path: secrets/prod }
secrets:
  session_key: { generate: base64:32 }
  users_db_key: { generate: base64:32 }
  redis_password: { generate: password:24, rotate: 90d }
  hf_token: { provide: true, pattern: '^hf_[A-Za-z0-9]{30,}$' }
`
const HF = 'hf_abcdefghijklmnopqrstuvwxyz0123456789'

/** A project whose development environment is complete and clean. */
async function cleanProject(): Promise<string> {
  const dir = tmpProject(manifest, { git: true })
  writeFileSync(join(dir, '.gitignore'), '/secrets/\n.hush/\n')
  expect((await hush(['gen'], { cwd: dir })).code).toBe(0)
  expect((await hush(['set', 'hf_token', '--stdin'], { cwd: dir, input: HF })).code).toBe(0)
  return dir
}

async function findings(
  dir: string,
  env = 'development',
): Promise<{ code: number | null; findings: Finding[] }> {
  const r = await hush(['check', '--format', 'json', '-e', env], { cwd: dir })
  return { code: r.code, findings: JSON.parse(r.stdout).findings }
}
const codesOf = (fs: Finding[], secret?: string) =>
  fs.filter((f) => !secret || f.secret === secret).map((f) => f.code)
const secretFile = (dir: string, name: string, env = 'dev') => join(dir, 'secrets', env, name)

describe('hush check', () => {
  it('passes on a clean environment with exit 0', async () => {
    const dir = await cleanProject()
    expect(await findings(dir)).toEqual({ code: 0, findings: [] })
  })

  it('missing: a required provided secret has no value', async () => {
    const dir = tmpProject(manifest, { git: true })
    writeFileSync(join(dir, '.gitignore'), '/secrets/\n')
    await hush(['gen'], { cwd: dir })
    const r = await findings(dir)
    expect(r.code).toBe(1)
    expect(r.findings).toEqual([
      expect.objectContaining({
        code: 'missing',
        severity: 'error',
        secret: 'hf_token',
        env: 'development',
        hint: 'hush set hf_token',
      }),
    ])
  })

  it('an empty value is missing: a file that holds nothing is no value', async () => {
    const dir = await cleanProject()
    writeFileSync(secretFile(dir, 'session_key'), '\n')
    expect(codesOf((await findings(dir)).findings, 'session_key')).toEqual(['missing'])
  })

  it('placeholder: CHANGEME, your_*_here, a well-known default, a file holding only a comment', async () => {
    const dir = await cleanProject()
    writeFileSync(secretFile(dir, 'hf_token'), '# Add your Hugging Face token here if needed\n')
    writeFileSync(secretFile(dir, 'redis_password'), 'admin12345')
    writeFileSync(secretFile(dir, 'users_db_key'), 'CHANGEME_users_db_key')
    const r = await findings(dir)
    expect(codesOf(r.findings, 'hf_token')).toContain('placeholder')
    expect(codesOf(r.findings, 'redis_password')).toContain('placeholder')
    expect(codesOf(r.findings, 'users_db_key')).toContain('placeholder')
    writeFileSync(secretFile(dir, 'hf_token'), 'hf_your_token_here')
    expect(codesOf((await findings(dir)).findings, 'hf_token')).toContain('placeholder')
  })

  it('weak: too short for its generator, or low entropy', async () => {
    const dir = await cleanProject()
    writeFileSync(secretFile(dir, 'session_key'), Buffer.alloc(16, 1).toString('base64'))
    writeFileSync(secretFile(dir, 'users_db_key'), Buffer.alloc(32, 0).toString('base64'))
    writeFileSync(secretFile(dir, 'redis_password'), 'aaaaaaaaaaaaaaaaaaaaaaab')
    const r = await findings(dir)
    expect(codesOf(r.findings, 'session_key')).toEqual(['weak'])
    expect(codesOf(r.findings, 'users_db_key')).toEqual(['weak'])
    expect(codesOf(r.findings, 'redis_password')).toEqual(['weak'])
  })

  it('pattern: the value does not match the declared pattern', async () => {
    const dir = await cleanProject()
    writeFileSync(secretFile(dir, 'hf_token'), 'gh_0123456789abcdefghijklmnopqrstuvwxyz')
    expect(codesOf((await findings(dir)).findings, 'hf_token')).toEqual(['pattern'])
  })

  it('permissions: a 0644 file, a 0755 directory, a file owned by another user', async () => {
    const dir = await cleanProject()
    chmodSync(secretFile(dir, 'session_key'), 0o644)
    chmodSync(join(dir, 'secrets', 'dev'), 0o755)
    const r = await findings(dir)
    expect(codesOf(r.findings, 'session_key')).toEqual(['permissions'])
    expect(r.findings.find((f) => f.secret === '' && f.code === 'permissions')?.hint).toMatch(/^chmod 700 /)
    if (process.getuid?.() === 0) {
      chownSync(secretFile(dir, 'users_db_key'), 4242, 4242)
      const owned = (await findings(dir)).findings.find((f) => f.secret === 'users_db_key')
      expect(owned).toMatchObject({
        code: 'permissions',
        message: expect.stringContaining('owned by uid 4242'),
      })
    }
  })

  it('tracked: a secret file is in the git index', async () => {
    const dir = await cleanProject()
    git(dir, 'add', '-f', 'secrets/dev/session_key')
    const r = await findings(dir)
    expect(codesOf(r.findings, 'session_key')).toEqual(['tracked'])
    expect(r.findings[0]!.hint).toMatch(/git rm --cached/)
  })

  it('not-ignored: the store is not in .gitignore', async () => {
    const dir = await cleanProject()
    writeFileSync(join(dir, '.gitignore'), '.hush/\n')
    const r = await findings(dir)
    expect(new Set(codesOf(r.findings))).toEqual(new Set(['not-ignored']))
    expect(r.findings.length).toBe(4)
  })

  it('reused: production holds the same value as development', async () => {
    const dir = await cleanProject()
    await hush(['gen', '-e', 'production'], { cwd: dir })
    cpSync(secretFile(dir, 'session_key'), secretFile(dir, 'session_key', 'prod'))
    const r = await findings(dir, 'production')
    expect(r.findings.filter((f) => f.code === 'reused')).toEqual([
      expect.objectContaining({
        secret: 'session_key',
        env: 'production',
        message: 'session_key has the same value in production and development',
      }),
    ])
  })

  it('duplicate: two secrets of one environment share a value', async () => {
    const dir = await cleanProject()
    cpSync(secretFile(dir, 'session_key'), secretFile(dir, 'users_db_key'))
    expect(codesOf((await findings(dir)).findings)).toEqual(['duplicate'])
  })

  it('whitespace: leading or trailing whitespace beyond one newline', async () => {
    const dir = await cleanProject()
    writeFileSync(secretFile(dir, 'hf_token'), `${HF} \n`)
    const r = await findings(dir)
    expect(codesOf(r.findings, 'hf_token')).toEqual(['pattern', 'whitespace'])
    expect(r.findings.find((f) => f.code === 'whitespace')?.severity).toBe('warning')
  })

  it('overdue: older than the rotation policy (a warning: exit 0)', async () => {
    const dir = await cleanProject()
    const metaPath = join(dir, 'secrets', 'dev', '.hush', 'meta.json')
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'))
    meta.secrets.redis_password.rotatedAt = '2020-01-01T00:00:00.000Z'
    writeFileSync(metaPath, JSON.stringify(meta))
    const r = await findings(dir)
    expect(r.code).toBe(0)
    expect(r.findings).toEqual([
      expect.objectContaining({ code: 'overdue', severity: 'warning', secret: 'redis_password' }),
    ])
    expect((await hush(['status', '--check'], { cwd: dir })).code).toBe(3)
  })

  it('prints SARIF 2.1.0 with one rule per code', async () => {
    const dir = await cleanProject()
    writeFileSync(secretFile(dir, 'session_key'), '')
    const r = await hush(['check', '--format', 'sarif'], { cwd: dir })
    expect(r.code).toBe(1)
    const sarif = JSON.parse(r.stdout)
    expect(sarif.version).toBe('2.1.0')
    expect(sarif.runs[0].tool.driver.rules.map((x: { id: string }) => x.id)).toContain('not-ignored')
    expect(sarif.runs[0].results[0]).toMatchObject({
      ruleId: 'missing',
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'hush.yaml' } } }],
    })
  })
})
