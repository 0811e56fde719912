/**
 * The audit log against someone who can write the project but not the user's config directory: every
 * forgery, deletion, truncation and corruption is a HUSH_E_AUDIT_BROKEN problem, never a crash, and a
 * log whose end is not sound refuses the next entry. Real files; the config directory is a temp dir.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { anchorFile, anchorRoot } from '../../src/core/audit/anchor.js'
import { auditKeyFile } from '../../src/core/audit/key.js'
import { AuditLog } from '../../src/core/audit/log.js'
import { HushError } from '../../src/lib/errors.js'

type Env = Record<string, string>
const freshEnv = (): Env => ({ XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'hush-audit-config-')) })

function newLog(env: Env = freshEnv()): AuditLog {
  return new AuditLog(join(mkdtempSync(join(tmpdir(), 'hush-audit-')), '.hush'), env)
}

async function logWith(n: number, env: Env = freshEnv()): Promise<AuditLog> {
  const log = newLog(env)
  for (let i = 1; i <= n; i++)
    await log.append(
      [{ action: 'gen', secret: `s${i}`, env: 'dev', fp: `fp${i}` }],
      'tester',
      `2026-01-0${i}T00:00:00.000Z`,
    )
  return log
}
const lines = (log: AuditLog) => readFileSync(log.path, 'utf8').split('\n').filter(Boolean)
const rewrite = (log: AuditLog, ls: string[]) => writeFileSync(log.path, ls.map((l) => `${l}\n`).join(''))
const anchorOf = async (log: AuditLog, env: Env) => anchorFile(env, await anchorRoot(dirname(log.stateDir)))
const next = (log: AuditLog) =>
  log.append([{ action: 'set', secret: 'x' }], 'tester', '2026-02-01T00:00:00.000Z')

async function brokenError(p: Promise<unknown>): Promise<HushError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(HushError)
  expect((err as HushError).code).toBe('HUSH_E_AUDIT_BROKEN')
  expect((err as HushError).hint).toBeTruthy()
  return err as HushError
}

/** The unkeyed format hush wrote before keyed audit: plain SHA-256 chained from 64 zeros. */
function legacyLines(entries: Record<string, unknown>[]): string[] {
  let prev = '0'.repeat(64)
  return entries.map((e, i) => {
    const body = { seq: i + 1, ts: '2025-12-01T00:00:00.000Z', actor: 'old', ...e, prev }
    prev = createHash('sha256').update(JSON.stringify(body)).digest('hex')
    return JSON.stringify({ ...body, hash: prev })
  })
}

describe('audit log: the chain', () => {
  it('verifies an untouched chain', async () => {
    const log = await logWith(4)
    expect(await log.verify()).toEqual({ entries: 4, legacy: 0, problems: [], notes: [] })
  })

  it('names an edited line', async () => {
    const log = await logWith(4)
    const ls = lines(log)
    ls[1] = ls[1]!.replace('"s2"', '"s9"')
    rewrite(log, ls)
    expect((await log.verify()).problems).toEqual([
      { line: 2, problem: 'content does not match its MAC (edited or forged)' },
    ])
  })

  it('names a deleted line', async () => {
    const log = await logWith(4)
    const ls = lines(log)
    ls.splice(1, 1)
    rewrite(log, ls)
    const { problems } = await log.verify()
    expect(problems[0]).toMatchObject({ line: 2, problem: expect.stringContaining('deleted or reordered') })
  })

  it('names reordered lines', async () => {
    const log = await logWith(4)
    const ls = lines(log)
    ;[ls[1], ls[2]] = [ls[2]!, ls[1]!]
    rewrite(log, ls)
    expect((await log.verify()).problems.map((p) => p.line)).toEqual([2, 3, 4])
  })

  it('recovers from a crash that tore the last line: the torn line is dropped, the chain goes on', async () => {
    const log = await logWith(2)
    writeFileSync(log.path, `${readFileSync(log.path, 'utf8')}{"seq":3,"ts":"2026`, { flag: 'w' })
    expect((await log.verify()).notes).toEqual([expect.stringContaining('unfinished')])
    await log.append([{ action: 'gen', secret: 's3' }], 'tester', '2026-01-03T00:00:00.000Z')
    expect(await log.verify()).toEqual({ entries: 3, legacy: 0, problems: [], notes: [] })
  })

  it('adopts complete entries past the anchor: a crash between the append and the anchor write', async () => {
    const env = freshEnv()
    const log = await logWith(2, env)
    const anchor = await anchorOf(log, env)
    const old = readFileSync(anchor, 'utf8')
    await next(log)
    writeFileSync(anchor, old) // as if killed before the anchor was written
    expect((await log.verify()).problems).toEqual([])
    await next(log)
    expect(await log.verify()).toMatchObject({ entries: 4, problems: [] })
  })
})

describe('audit log: forgery by someone who can write the project but not the config directory', () => {
  it('a log rewritten (an actor changed, a reveal dropped) and rehashed with plain SHA-256 fails', async () => {
    const log = newLog()
    await log.append([{ action: 'gen', secret: 'api', fp: 'aaa' }], 'alice', '2026-01-01T00:00:00.000Z')
    await log.append([{ action: 'reveal', secret: 'api', fp: 'aaa' }], 'mallory', '2026-01-02T00:00:00.000Z')
    await log.append([{ action: 'set', secret: 'api', fp: 'bbb' }], 'mallory', '2026-01-03T00:00:00.000Z')
    const kept = lines(log)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.action !== 'reveal')
      .map(({ seq, prev, kid, mac, ...rest }) => ({ ...rest, actor: 'alice' }))
    rewrite(log, legacyLines(kept))
    const { problems } = await log.verify()
    expect(problems.length).toBeGreaterThan(0)
    expect(problems.map((p) => p.problem).join('\n')).toMatch(/anchor records/)
    await brokenError(next(log))
  })

  it('a log re-MACed with the forger’s own key fails, with or without the real key id', async () => {
    const log = await logWith(3)
    const forgerKey = randomBytes(32)
    const realKid = (JSON.parse(lines(log)[0]!) as { kid: string }).kid
    for (const kid of ['f0f0f0f0f0f0f0f0', realKid]) {
      let prev = '0'.repeat(64)
      const forged = lines(log).map((l) => {
        const { mac: _, ...e } = JSON.parse(l) as Record<string, unknown>
        const body = { ...e, actor: 'someone-else', prev, kid }
        prev = createHmac('sha256', forgerKey).update(JSON.stringify(body)).digest('hex')
        return JSON.stringify({ ...body, mac: prev })
      })
      rewrite(log, forged)
      expect((await log.verify()).problems.length).toBeGreaterThan(0)
      await brokenError(next(log))
    }
  })

  it('a deleted log is detected once the project has audit history, even with the old audit.head gone too', async () => {
    const log = await logWith(3)
    rmSync(log.path)
    rmSync(join(log.stateDir, 'audit.head'), { force: true })
    expect((await log.verify()).problems).toEqual([
      { line: 0, problem: 'the log is missing or empty, but its anchor records 3 entries (deleted?)' },
    ])
    const err = await brokenError(next(log))
    expect(err.message).toMatch(/deleted/)
    expect(existsSync(log.path)).toBe(false) // nothing was appended
  })

  it('lines cut from the end are detected, and the next entry is refused', async () => {
    const log = await logWith(4)
    rewrite(log, lines(log).slice(0, 2))
    expect((await log.verify()).problems).toEqual([
      {
        line: 2,
        problem: 'the log ends at entry 2 but its anchor records entry 4 (lines removed from the end?)',
      },
    ])
    await brokenError(next(log))
    expect(lines(log)).toHaveLength(2)
  })

  it('entries appended without the key (after the anchor) are refused and reported', async () => {
    const log = await logWith(2)
    const last = JSON.parse(lines(log).at(-1)!) as Record<string, unknown>
    const fake = { ...last, seq: 3, prev: last.mac, secret: 'planted', mac: 'ab'.repeat(32) }
    rewrite(log, [...lines(log), JSON.stringify(fake)])
    expect((await log.verify()).problems).toEqual([
      { line: 3, problem: 'content does not match its MAC (edited or forged)' },
    ])
    await brokenError(next(log))
  })
})

describe('audit log: every corruption is HUSH_E_AUDIT_BROKEN, never a crash', () => {
  it('reports lines that are not entries: bad JSON, null, arrays, numbers, missing or mistyped fields', async () => {
    const log = await logWith(1)
    const bad = ['{not json', 'null', '[]', '5', '"s"', '{}', '{"seq":"2","ts":1}', '{"seq":2,"mac":"zz"}']
    rewrite(log, [...lines(log), ...bad])
    const { problems } = await log.verify()
    for (let n = 2; n <= bad.length + 1; n++)
      expect(problems).toContainEqual({ line: n, problem: expect.stringContaining('not an audit entry') })
    expect(await log.entries()).toHaveLength(1)
  })

  it('a corrupt last line refuses the next entry, and the change it would record does not run', async () => {
    const log = await logWith(2)
    for (const last of ['{"seq":3,"ts"', 'null', '{}', '{"seq":3}']) {
      rewrite(log, [...lines(log).slice(0, 2), last])
      let ran = false
      const err = await brokenError(
        log.recorded([{ action: 'set', secret: 'api' }], 'tester', '2026-02-01T00:00:00.000Z', async () => {
          ran = true
        }),
      )
      expect(ran).toBe(false)
      expect(err.message).toMatch(/nothing was changed/)
    }
  })

  it('refuses on a legacy log whose last line does not parse either (no anchor yet)', async () => {
    const log = newLog()
    mkdirSync(log.stateDir, { recursive: true })
    rewrite(log, [...legacyLines([{ action: 'gen', secret: 'a' }]), 'garbage'])
    await brokenError(next(log))
  })

  it('a corrupt anchor is a problem of verify and refuses the next entry', async () => {
    const env = freshEnv()
    const log = await logWith(2, env)
    const anchor = await anchorOf(log, env)
    for (const text of [
      '{',
      'null',
      '[]',
      '{"version":1}',
      JSON.stringify({ version: 1, root: '/elsewhere', seq: 1, mac: 'a'.repeat(64), size: 9, kid: 'k' }),
    ]) {
      writeFileSync(anchor, text)
      const { problems } = await log.verify()
      expect(problems[0]).toMatchObject({ line: 0, problem: expect.stringContaining('audit anchor') })
      await brokenError(next(log))
    }
  })

  it('a missing key for a MAC’d log is a problem (no new key is made over it), a corrupt key file too', async () => {
    const env = freshEnv()
    const log = await logWith(2, env)
    rmSync(auditKeyFile(env))
    expect((await log.verify()).problems[0]?.problem).toMatch(/no audit key/)
    await brokenError(next(log))
    expect(existsSync(auditKeyFile(env))).toBe(false)
    writeFileSync(auditKeyFile(env), 'not a key\n')
    expect((await log.verify()).problems[0]?.problem).toMatch(/is not an audit key/)
    await brokenError(next(log))
  })

  it('a log written with another user’s key does not verify, and is not appended to', async () => {
    const log = await logWith(2)
    // the same project, another user's config and key
    const other = new AuditLog(log.stateDir, {
      ...freshEnv(),
      HUSH_AUDIT_KEY: randomBytes(32).toString('hex'),
    })
    expect((await other.verify()).problems[0]?.problem).toMatch(/another audit key/)
    await brokenError(other.append([{ action: 'set', secret: 'x' }], 'them', '2026-02-01T00:00:00.000Z'))
  })
})

describe('audit log: the key and the anchor', () => {
  it('creates the key 0600 in a 0700 directory outside the project, and anchors the log there', async () => {
    const env = freshEnv()
    const log = await logWith(1, env)
    const key = auditKeyFile(env)
    expect(key.startsWith(join(env.XDG_CONFIG_HOME!, 'hush'))).toBe(true)
    expect(statSync(key).mode & 0o777).toBe(0o600)
    expect(statSync(dirname(key)).mode & 0o777).toBe(0o700)
    expect(readFileSync(key, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/)
    const anchor = await anchorOf(log, env)
    expect(statSync(anchor).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(anchor, 'utf8'))).toMatchObject({
      seq: 1,
      root: await anchorRoot(dirname(log.stateDir)),
    })
    expect(readFileSync(log.path, 'utf8')).not.toContain(readFileSync(key, 'utf8').trim())
  })

  it('uses HUSH_AUDIT_KEY when set (no key file), and refuses one that is not 64 hex characters', async () => {
    const env = { ...freshEnv(), HUSH_AUDIT_KEY: randomBytes(32).toString('hex') }
    const log = await logWith(2, env)
    expect(existsSync(auditKeyFile(env))).toBe(false)
    expect((await log.verify()).problems).toEqual([])
    const bad = new AuditLog(log.stateDir, { ...env, HUSH_AUDIT_KEY: 'short' })
    await expect(bad.verify()).rejects.toMatchObject({ code: 'HUSH_E_USAGE' })
  })

  it('a failed change is followed by a `failed` entry; the intent entry stays', async () => {
    const log = newLog()
    await expect(
      log.recorded(
        [{ action: 'set', secret: 'api', env: 'dev', fp: 'abc' }],
        'tester',
        '2026-01-01T00:00:00.000Z',
        () => Promise.reject(new Error('disk full')),
      ),
    ).rejects.toThrow('disk full')
    expect((await log.entries()).map((e) => [e.action, e.secret, e.detail])).toEqual([
      ['set', 'api', undefined],
      ['set', 'api', 'failed'],
    ])
    expect((await log.verify()).problems).toEqual([])
  })
})

describe('audit log: logs written before keyed audit (legacy)', () => {
  it('verifies them as unauthenticated legacy entries, then keys every new entry from there on', async () => {
    const log = newLog()
    mkdirSync(log.stateDir, { recursive: true })
    rewrite(
      log,
      legacyLines([
        { action: 'gen', secret: 'a' },
        { action: 'reveal', secret: 'a' },
      ]),
    )
    writeFileSync(join(log.stateDir, 'audit.head'), '{corrupt') // the old head file is no longer read
    const before = await log.verify()
    expect(before).toMatchObject({ entries: 2, legacy: 2, problems: [] })
    expect(before.notes).toEqual([expect.stringContaining('entries 1-2 are unauthenticated legacy entries')])
    await next(log)
    expect(existsSync(join(log.stateDir, 'audit.head'))).toBe(false)
    const after = await log.verify()
    expect(after).toMatchObject({ entries: 3, legacy: 2, problems: [] })
    expect(after.notes[0]).toMatch(/entry 3 fixes them/)
    // once a keyed entry chains to them, the legacy entries cannot be changed unseen either
    const ls = lines(log)
    rewrite(log, [
      ...legacyLines([
        { action: 'gen', secret: 'a' },
        { action: 'gen', secret: 'b' },
      ]),
      ls[2]!,
    ])
    expect((await log.verify()).problems).toContainEqual({
      line: 3,
      problem: 'does not chain to the line before it (deleted, inserted or reordered)',
    })
  })

  it('an unkeyed entry after keyed ones is a problem', async () => {
    const log = await logWith(2)
    const last = JSON.parse(lines(log).at(-1)!) as Record<string, unknown>
    const body = { seq: 3, ts: 'x', actor: 'a', action: 'gen', secret: 's', prev: last.mac }
    const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex')
    rewrite(log, [...lines(log), JSON.stringify({ ...body, hash })])
    expect((await log.verify()).problems).toContainEqual({
      line: 3,
      problem: 'an unkeyed entry after keyed ones (written without the key)',
    })
  })
})
