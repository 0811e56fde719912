/**
 * Rotation on real files: a child `hush rotate` is SIGKILLed right after each
 * journaled step (HUSH_FAILPOINT), then `--resume` finishes the job. At every
 * point the credential consumers use works and the pending value is never lost.
 */
import { spawn } from 'node:child_process'
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { status } from '../../src/core/status/status.js'
import { KeyRing } from '../../src/runtime/jwt.js'
import { CLI, hush, project, tmpProject } from '../helpers/project.js'

const manifest = `version: 1
project: rot
environments: { development: { path: s } }
secrets:
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring, grace: 7d } }
  pw: { generate: password:24, rotate: { every: 90d, consumers: restart } }
  url: { derive: "https://hooks.example.com/in?token={{pw}}" }   # the app sends it; no server holds it
`
const STEPS = ['PLANNED', 'GENERATED', 'APPLIED', 'VERIFIED', 'DISTRIBUTED', 'PROMOTED', 'GRACE'] as const

async function fresh(): Promise<string> {
  const dir = tmpProject(manifest)
  expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
  return dir
}
const file = (dir: string, name: string) => readFileSync(join(dir, 's', name), 'utf8')
const ringOf = (dir: string) =>
  KeyRing.load('jwt_secret', {
    env: { HUSH_SECRETS_DIR: join(dir, 's'), NODE_ENV: 'production' },
    metrics: false,
  })
function journalLines(dir: string, secret: string): { state: string; detail?: Record<string, string> }[] {
  const jobDir = join(dir, '.hush', 'jobs', 'development', secret)
  const [job] = readdirSync(jobDir).filter((f) => f.endsWith('.jsonl'))
  return readFileSync(join(jobDir, job!), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

describe('hush rotate: keyring', () => {
  it('a token signed before the rotation verifies during GRACE (previous: true) and fails after REVOKED', async () => {
    const dir = await fresh()
    const before = await ringOf(dir)
    const token = await before.sign({ sub: 'u1' }, { expiresIn: '1h' })
    const r = await hush(['rotate', 'jwt_secret'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('(GRACE)')
    const during = await ringOf(dir)
    expect(await during.verify(token)).toMatchObject({ previous: true })
    expect(await during.verify(await during.sign({}))).toMatchObject({ previous: false })
    expect(file(dir, 'jwt_secret')).toBe(file(dir, 'jwt_secret_primary'))
    expect((await hush(['rotate', '--retire', 'jwt_secret'], { cwd: dir })).code).toBe(0)
    await expect((await ringOf(dir)).verify(token)).rejects.toMatchObject({ code: 'HUSH_E_JWT_UNKNOWN_KID' })
  })

  for (const step of STEPS)
    it(`killed right after ${step}: old tokens keep verifying, --resume finishes with the same new key`, async () => {
      const dir = await fresh()
      const token = await (await ringOf(dir)).sign({ sub: 'u' })
      const killed = await hush(['rotate', 'jwt_secret'], { cwd: dir, env: { HUSH_FAILPOINT: step } })
      expect(killed.code).toBe(null) // SIGKILL
      expect(await (await ringOf(dir)).verify(token)).toMatchObject({ payload: { sub: 'u' } })
      const again = await hush(['rotate', 'jwt_secret'], { cwd: dir })
      expect(again.code).toBe(1)
      expect(again.stderr).toContain('--resume')
      const resumed = await hush(['rotate', 'jwt_secret', '--resume'], { cwd: dir })
      expect(resumed.code, resumed.stderr).toBe(0)
      const ring = await ringOf(dir)
      expect(await ring.verify(token)).toMatchObject({ previous: true })
      const generated = journalLines(dir, 'jwt_secret').find((l) => l.state === 'GENERATED')!.detail!.to
      const promoted = journalLines(dir, 'jwt_secret').find((l) => l.state === 'PROMOTED')!.detail!.to
      expect(promoted).toBe(generated) // the pending key was reused, never regenerated
    })
})

describe('hush rotate: replace', () => {
  for (const step of STEPS)
    it(`killed right after ${step}: the value is old or new and complete, resume promotes the pending one`, async () => {
      const dir = await fresh()
      const old = file(dir, 'pw')
      await hush(['rotate', 'pw'], { cwd: dir, env: { HUSH_FAILPOINT: step } })
      const now = file(dir, 'pw')
      expect(now).toMatch(/^[A-Za-z0-9._~-]{24}$/)
      expect(file(dir, 'url')).toBe(`https://hooks.example.com/in?token=${now}`)
      const resumed = await hush(['rotate', 'pw', '--resume'], { cwd: dir })
      expect(resumed.code, resumed.stderr).toBe(0)
      const after = file(dir, 'pw')
      expect(after).not.toBe(old)
      expect(file(dir, 'url')).toBe(`https://hooks.example.com/in?token=${after}`)
      const lines = journalLines(dir, 'pw')
      expect(lines.at(-1)!.state).toBe('REVOKED')
      expect(lines.find((l) => l.state === 'PROMOTED')!.detail!.to).toBe(
        lines.find((l) => l.state === 'GENERATED')!.detail!.to,
      )
    })

  it('ignores a torn last journal line and resumes from the step before', async () => {
    const dir = await fresh()
    await hush(['rotate', 'pw'], { cwd: dir, env: { HUSH_FAILPOINT: 'APPLIED' } })
    const jobDir = join(dir, '.hush', 'jobs', 'development', 'pw')
    const job = readdirSync(jobDir).find((f) => f.endsWith('.jsonl'))!
    appendFileSync(join(jobDir, job), '{"state":"VERIFIED","at":"2026')
    const resumed = await hush(['rotate', 'pw', '--resume'], { cwd: dir })
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stdout).toContain('verified → distributed → promoted')
  })

  it('--abort before PROMOTED leaves the current value untouched and drops the new key from the verify set', async () => {
    const dir = await fresh()
    const primary = file(dir, 'jwt_secret_primary')
    await hush(['rotate', 'jwt_secret'], { cwd: dir, env: { HUSH_FAILPOINT: 'APPLIED' } })
    expect(file(dir, 'jwt_secret_previous')).not.toBe(primary)
    const aborted = await hush(['rotate', 'jwt_secret', '--abort'], { cwd: dir })
    expect(aborted.code, aborted.stderr).toBe(0)
    expect(file(dir, 'jwt_secret_primary')).toBe(primary)
    expect(file(dir, 'jwt_secret_previous')).toBe(primary)
    expect((await hush(['rotate', 'jwt_secret'], { cwd: dir })).code).toBe(0) // a new job may start
  })
})

describe('hush rotate: one job per secret', () => {
  it('of two racing processes exactly one proceeds; the other exits with a hint', async () => {
    const dir = await fresh()
    // a key ring's job stays open in GRACE: whether the two overlap (the lock) or one runs after the
    // other (the open job), the second is refused
    const [a, b] = await Promise.all([
      hush(['rotate', 'jwt_secret'], { cwd: dir }),
      hush(['rotate', 'jwt_secret'], { cwd: dir }),
    ])
    expect([a.code, b.code].sort()).toEqual([0, 1])
    expect((a.code === 1 ? a : b).stderr).toMatch(/hint: .*(wait for it|--resume)/)
  })

  it('takes over a stale lock (dead pid) but never a live one', async () => {
    const dir = await fresh()
    const lock = join(dir, '.hush', 'jobs', 'development', 'pw', 'lock')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(lock, '..'), { recursive: true })
    writeFileSync(lock, String(process.pid))
    const refused = await hush(['rotate', 'pw'], { cwd: dir })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('another hush is rotating pw')
    writeFileSync(lock, '999999')
    expect((await hush(['rotate', 'pw'], { cwd: dir })).code).toBe(0)
  })
})

describe('rotation hygiene', () => {
  it('writes 0600 files under umask 000 and puts no value in the journal or audit log', async () => {
    const dir = await fresh()
    const r = await new Promise<number | null>((done) => {
      const child = spawn('sh', ['-c', `umask 000; "${process.execPath}" "${CLI}" rotate pw jwt_secret`], {
        cwd: dir,
      })
      child.on('close', done)
    })
    expect(r).toBe(0)
    for (const name of readdirSync(join(dir, 's')).filter((n) => !n.startsWith('.')))
      expect(statSync(join(dir, 's', name)).mode & 0o777).toBe(0o600)
    const state = [
      readFileSync(join(dir, '.hush', 'audit.jsonl'), 'utf8'),
      ...['pw', 'jwt_secret'].flatMap((s) => journalLines(dir, s).map((l) => JSON.stringify(l))),
    ].join('\n')
    for (const name of ['pw', 'jwt_secret_primary', 'jwt_secret_previous', 'url'])
      expect(state).not.toContain(file(dir, name))
  })

  it('status: a secret one day before its policy is fine, one day past is overdue (frozen clock)', async () => {
    const dir = tmpProject(manifest)
    const t0 = new Date('2026-01-01T00:00:00Z')
    const { gen } = await import('../../src/core/generate/gen.js')
    await gen(await project(dir, 'development', () => t0))
    const at = (days: number) => project(dir, 'development', () => new Date(t0.getTime() + days * 86_400_000))
    const state = async (days: number) =>
      (await status(await at(days))).rows.find((r) => r.secret === 'jwt_secret')!.state
    expect(await state(29)).toBe('ok')
    expect(await state(31)).toBe('overdue')
    expect((await status(await at(89))).rows.find((r) => r.secret === 'pw')!.state).toBe('ok')
    expect((await status(await at(91))).rows.find((r) => r.secret === 'pw')!.state).toBe('overdue')
  })
})

describe('hush status --check with a frozen clock (HUSH_NOW)', () => {
  it('exits 0 one day before the policy and 3 one day past it', async () => {
    const dir = tmpProject(manifest)
    const t0 = '2026-01-01T00:00:00.000Z'
    expect((await hush(['gen'], { cwd: dir, env: { HUSH_NOW: t0 } })).code).toBe(0)
    const at = (days: number) => ({ HUSH_NOW: new Date(Date.parse(t0) + days * 86_400_000).toISOString() })
    expect((await hush(['status', '--check'], { cwd: dir, env: at(29) })).code).toBe(0)
    const late = await hush(['status', '--check'], { cwd: dir, env: at(31) })
    expect(late.code).toBe(3)
    expect(late.stdout).toMatch(/^jwt_secret\s+1\s+31d\s+30d keyring\s+2026-01-31\s+overdue$/m)
  })
})

describe('hush rotate: manual secrets', () => {
  it('tells the person what to do, and hush set records the rotation', async () => {
    const dir = tmpProject(`version: 1
project: manual
environments: { development: { path: s } }
secrets:
  hf_token: { provide: true, rotate: 60d }
`)
    expect(
      (await hush(['set', 'hf_token', '--stdin'], { cwd: dir, input: 'hf_first0123456789abcdefghijklmnop' }))
        .code,
    ).toBe(0)
    const r = await hush(['rotate', 'hf_token'], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('rotated by hand')
    expect(r.stdout).toContain('hush set hf_token')
    expect(
      (await hush(['set', 'hf_token', '--stdin'], { cwd: dir, input: 'hf_second0123456789abcdefghijklmno' }))
        .code,
    ).toBe(0)
    const info = JSON.parse((await hush(['get', 'hf_token', '--json'], { cwd: dir })).stdout)
    expect(info.version).toBe(2)
  })
})

describe('hush rotate: progress on stderr', () => {
  it('announces each step before it runs: plain lines in a pipe, JSON events with --json, nothing with -q; never a value', async () => {
    const dir = await fresh()
    const plain = await hush(['rotate', 'pw'], { cwd: dir })
    expect(plain.code, plain.stderr).toBe(0)
    const doing = ['planning', 'generating', 'applying', 'verifying', 'distributing', 'promoting']
    expect(plain.stderr.split('\n')).toEqual([
      ...[...doing, 'entering grace', 'revoking'].map((d) => `pw: ${d}`),
      '',
    ])

    const json = await hush(['rotate', 'pw', '--json'], { cwd: dir })
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout).results[0]).toMatchObject({ secret: 'pw', state: 'REVOKED' })
    const events = json.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(events.map((e) => [e.event, e.secret, e.state])).toEqual(
      ['PLANNED', 'GENERATED', 'APPLIED', 'VERIFIED', 'DISTRIBUTED', 'PROMOTED', 'GRACE', 'REVOKED'].map(
        (s) => ['step', 'pw', s],
      ),
    )
    expect(events.find((e) => e.state === 'PROMOTED').fingerprint).toMatch(/^[0-9a-f]{12}$/)
    for (const r of [plain, json]) expect(r.stderr).not.toContain(file(dir, 'pw'))

    const quiet = await hush(['rotate', 'pw', '-q'], { cwd: dir })
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).toBe('')
  })
})
