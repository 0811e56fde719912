/** The state files rollback and mirror repair read are hush's own, but may have been edited: they are checked. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Repairs } from '../../../src/core/distribute/repairs.js'
import { History } from '../../../src/core/rotate/history.js'

describe('History', () => {
  it('reads only job ids (start time and pid), never a path a journal line names', async () => {
    const state = mkdtempSync(join(tmpdir(), 'hush-history-'))
    const dir = join(state, 'history', 'development', 'session_key')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(state, 'elsewhere'), 'not-a-kept-value')
    writeFileSync(join(dir, '20260101T000000-42'), 'kept-value')
    const history = new History(state, 'development', 'session_key', '20260301T000000-7')
    expect(await history.readJob('20260101T000000-42')).toBe('kept-value')
    for (const id of ['20260101T000000/../../../../elsewhere', '20260101T000000-42/..', '../elsewhere'])
      expect(await history.readJob(id), id).toBeUndefined()
    expect(await history.previous('other')).toEqual({ job: '20260101T000000-42', value: 'kept-value' })
    expect(await history.previous('kept-value')).toBeUndefined()
  })

  it('prune keeps values younger than the retention and always the job’s own', async () => {
    const state = mkdtempSync(join(tmpdir(), 'hush-history-'))
    const dir = join(state, 'history', 'development', 's')
    mkdirSync(dir, { recursive: true })
    for (const id of ['20260101T000000-1', '20260201T000000-2', '20260301T000000-3'])
      writeFileSync(join(dir, id), id)
    const own = new History(state, 'development', 's', '20260101T000000-1')
    expect(await own.prune(10 * 86_400_000, new Date('2026-03-05T00:00:00Z'))).toBe(1) // -2 only
    expect(await own.jobs()).toEqual(['20260301T000000-3', '20260101T000000-1'])
  })
})

describe('Repairs', () => {
  it('a repairs file that is not a list of repairs is HUSH_E_STORE_CORRUPT, never a crash', async () => {
    const state = mkdtempSync(join(tmpdir(), 'hush-repairs-'))
    const repairs = new Repairs(state)
    for (const text of [
      'null',
      '{"repairs": [{"env": 1}]}',
      '{"repairs": [{"env":"a","mirror":"b","cause":"c","code":"d","at":"e","entries":"x"}]}',
      'not json',
    ]) {
      writeFileSync(join(state, 'repairs.json'), text)
      await expect(repairs.list(), text).rejects.toMatchObject({ code: 'HUSH_E_STORE_CORRUPT' })
    }
    writeFileSync(join(state, 'repairs.json'), '{"repairs": []}')
    await repairs.record({ env: 'p', mirror: 'm', entries: ['b', 'a'], cause: 'c', code: 'E', at: 't' })
    await repairs.record({ env: 'p', mirror: 'm', entries: ['c'], cause: 'c', code: 'E', at: 't' })
    expect((await repairs.list('p'))[0]?.entries).toEqual(['a', 'b', 'c'])
    expect(await repairs.clear('p', 'm')).toBe(true)
    expect(await repairs.list()).toEqual([])
  })
})
