/**
 * `hush audit` and the commands that write it, as a user runs them: a forged, deleted or corrupt log is
 * HUSH_E_AUDIT_BROKEN (never HUSH_E_INTERNAL), and a change whose audit entry cannot be written does
 * not happen. The user config directory (audit key, anchors) is the test file's temp XDG_CONFIG_HOME.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { anchorFile, anchorRoot } from '../../src/core/audit/anchor.js'
import { type CliResult, hush, tmpProject, userConfig } from '../helpers/project.js'

const CANARY = 'tok-CANARY-audit-5e4d3c2b1a09' // hush:allow (a planted canary)
const CANARY2 = 'tok-CANARY-audit-second-8f7e6d' // hush:allow (a planted canary)

const manifest = `version: 1
project: audited
environments: { development: { path: s }, staging: { path: s2 } }
secrets:
  api_token: { provide: true }
  session_key: { generate: base64:32 }
  pw: { generate: password:24, rotate: { every: 90d, consumers: restart } }
`

/** Every file under `dir`, as text. */
function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((p) => statSync(p).isFile())
    .map((p) => readFileSync(p, 'utf8'))
    .join('\n')
}

async function audited(): Promise<{
  dir: string
  run: (args: string[], input?: string) => Promise<CliResult>
}> {
  const dir = tmpProject(manifest)
  const outputs: CliResult[] = []
  const run = async (args: string[], input?: string) => {
    const r = await hush(args, { cwd: dir, ...(input !== undefined ? { input } : {}) })
    outputs.push(r)
    return r
  }
  expect((await run(['gen', '-q'])).code).toBe(0)
  expect((await run(['set', 'api_token', '--stdin'], CANARY)).code).toBe(0)
  return {
    dir,
    run: async (args, input) => {
      const r = await run(args, input)
      // no output of any command, and nothing hush keeps about the log, holds a value
      // (a successful `get --reveal` prints the value: that is what it is for)
      for (const o of outputs.filter((o) => !(o.code === 0 && o.stdout === CANARY)))
        expect(`${o.stdout}${o.stderr}`).not.toContain(CANARY)
      for (const text of [allText(join(dir, '.hush')), allText(userConfig())]) {
        expect(text).not.toContain(CANARY)
        expect(text).not.toContain(CANARY2)
      }
      return r
    },
  }
}

const logPath = (dir: string) => join(dir, '.hush', 'audit.jsonl')
const logLines = (dir: string) => readFileSync(logPath(dir), 'utf8').split('\n').filter(Boolean)
const value = (dir: string, name: string) => readFileSync(join(dir, 's', name), 'utf8')

function expectBroken(r: CliResult): void {
  expect(r.code).toBe(1)
  expect(r.stderr).toContain('[HUSH_E_AUDIT_BROKEN]')
  expect(r.stderr).toMatch(/\nhint: /)
  expect(r.stderr).not.toContain('HUSH_E_INTERNAL')
}

describe('hush audit verify', () => {
  it('verifies the log the commands wrote, authenticated by the user’s audit key', async () => {
    const { dir, run } = await audited()
    expect((await run(['get', 'api_token', '--reveal'])).code).toBe(0)
    const r = await run(['audit', 'verify'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^OK \d+ entries, chain intact, every entry authenticated by the audit key\n$/)
    expect(logLines(dir).every((l) => /"kid":"[0-9a-f]{16}","mac":"[0-9a-f]{64}"}$/.test(l))).toBe(true)
  })

  it('fails on a log rewritten without the reveal, every actor changed, and rehashed with plain SHA-256', async () => {
    const { dir, run } = await audited()
    expect((await run(['get', 'api_token', '--reveal'])).code).toBe(0)
    let prev = '0'.repeat(64)
    const forged = logLines(dir)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.action !== 'reveal')
      .map(({ seq: _s, prev: _p, kid: _k, mac: _m, ...e }, i) => {
        const body = { seq: i + 1, ...e, actor: 'someone-else', prev }
        prev = createHash('sha256').update(JSON.stringify(body)).digest('hex')
        return `${JSON.stringify({ ...body, hash: prev })}\n`
      })
    writeFileSync(logPath(dir), forged.join(''))
    const r = await run(['audit', 'verify'])
    expectBroken(r)
    expect(r.stdout).toMatch(/anchor records entry/)
    const json = await run(['audit', 'verify', '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false })
  })

  it('fails on a deleted log (and deleted audit.head): no more "OK 0 entries"', async () => {
    const { dir, run } = await audited()
    rmSync(logPath(dir))
    rmSync(join(dir, '.hush', 'audit.head'), { force: true })
    const r = await run(['audit', 'verify'])
    expectBroken(r)
    expect(r.stdout).toContain('the log is missing or empty, but its anchor records')
  })

  it('fails on a log cut at the end', async () => {
    const { dir, run } = await audited()
    writeFileSync(logPath(dir), `${logLines(dir).slice(0, 2).join('\n')}\n`)
    expectBroken(await run(['audit', 'verify']))
  })

  it('reports a corrupt anchor as HUSH_E_AUDIT_BROKEN, not a crash', async () => {
    const { dir, run } = await audited()
    writeFileSync(anchorFile({ XDG_CONFIG_HOME: userConfig() }, await anchorRoot(dir)), '{"seq": 3, "hash": ')
    const r = await run(['audit', 'verify'])
    expectBroken(r)
    expect(r.stdout).toContain('is not valid JSON')
  })
})

describe('a change whose audit entry cannot be written does not happen', () => {
  it('a corrupt last line refuses set, gen --force, rotate and get --reveal, changing nothing', async () => {
    const { dir, run } = await audited()
    const before = { api: value(dir, 'api_token'), session: value(dir, 'session_key'), pw: value(dir, 'pw') }
    const meta = readFileSync(join(dir, 's', '.hush', 'meta.json'), 'utf8')
    writeFileSync(logPath(dir), `${logLines(dir).join('\n')}\n{"seq": 99, "ts": "garbage\n`)
    const set = await run(['set', 'api_token', '--stdin'], CANARY2)
    expectBroken(set)
    expect(set.stderr).toContain('nothing was changed')
    expectBroken(await run(['gen', '--force']))
    expectBroken(await run(['rotate', 'pw']))
    const reveal = await run(['get', 'api_token', '--reveal'])
    expectBroken(reveal)
    expect(reveal.stdout).toBe('')
    expect({
      api: value(dir, 'api_token'),
      session: value(dir, 'session_key'),
      pw: value(dir, 'pw'),
    }).toEqual(before)
    expect(readFileSync(join(dir, 's', '.hush', 'meta.json'), 'utf8')).toBe(meta)
  })

  it('a corrupt last line refuses unseal and push too, changing nothing', async () => {
    const { dir, run } = await audited()
    const key = join(dir, 'age.key')
    const recipient = (await run(['keygen', '-o', key])).stdout.trim()
    expect((await run(['seal', '-r', recipient, '-o', join(dir, 'b.age')])).code).toBe(0)
    expect((await run(['set', 'api_token', '--stdin'], CANARY2)).code).toBe(0)
    writeFileSync(logPath(dir), `${logLines(dir).join('\n')}\nnot json\n`)
    expectBroken(await run(['unseal', join(dir, 'b.age'), '-i', key, '--allow-unsigned', '--allow-rollback']))
    expect(value(dir, 'api_token')).toBe(CANARY2)
    expectBroken(await run(['push', '--to', 'staging']))
    expect(existsSync(join(dir, 's2'))).toBe(false)
  })

  it('a log that cannot be opened refuses set with a clear error, changing nothing', async () => {
    const { dir, run } = await audited()
    rmSync(logPath(dir))
    mkdirSync(logPath(dir)) // unwritable even for root, which writes through file modes
    const r = await run(['set', 'api_token', '--stdin'], CANARY2)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/\[HUSH_E_IO\]: cannot read .*audit\.jsonl: EISDIR/)
    expect(r.stderr).not.toContain('HUSH_E_INTERNAL')
    expect(value(dir, 'api_token')).toBe(CANARY)
  })
})
