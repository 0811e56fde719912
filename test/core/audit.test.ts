import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AuditLog } from '../../src/core/audit/log.js'

async function logWith(n: number): Promise<AuditLog> {
  const log = new AuditLog(join(mkdtempSync(join(tmpdir(), 'hush-audit-')), '.hush'))
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

describe('audit log', () => {
  it('verifies an untouched chain', async () => {
    const log = await logWith(4)
    expect(await log.verify()).toEqual({ entries: 4, problems: [] })
  })

  it('names an edited line', async () => {
    const log = await logWith(4)
    const ls = lines(log)
    ls[1] = ls[1]!.replace('"s2"', '"s9"')
    rewrite(log, ls)
    expect((await log.verify()).problems).toEqual([
      { line: 2, problem: 'content does not match its hash (edited)' },
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

  it('detects lines cut from the end, even after a later append', async () => {
    const log = await logWith(4)
    rewrite(log, lines(log).slice(0, 2))
    expect((await log.verify()).problems.length).toBeGreaterThan(0)
    await log.append([{ action: 'set', secret: 'x' }], 'tester', '2026-02-01T00:00:00.000Z')
    expect((await log.verify()).problems.length).toBeGreaterThan(0)
  })

  it('recovers from a crash that tore the last line: the torn line is dropped, the chain goes on', async () => {
    const log = await logWith(2)
    writeFileSync(log.path, `${readFileSync(log.path, 'utf8')}{"seq":3,"ts":"2026`, { flag: 'w' })
    await log.append([{ action: 'gen', secret: 's3' }], 'tester', '2026-01-03T00:00:00.000Z')
    expect(await log.verify()).toEqual({ entries: 3, problems: [] })
  })
})
