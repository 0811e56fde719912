import { promises as fs, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import dotenv from 'dotenv'
import { describe, expect, it } from 'vitest'
import { DotenvStore } from '../../src/stores/dotenv.js'
import { storeContract } from './contract.js'

const fresh = () => new DotenvStore(join(mkdtempSync(join(tmpdir(), 'hush-dotenv-')), '.env'))
const at = '2026-01-01T00:00:00.000Z'

storeContract('dotenv', {
  create: async () => fresh(),
  sidecarText: async (store) => {
    const dir = join(store.location, '..', '.hush')
    const files = await fs.readdir(dir)
    return (await Promise.all(files.map((f) => fs.readFile(join(dir, f), 'utf8')))).join('\n')
  },
})

describe('dotenv store', () => {
  it('refuses to edit a .env it did not create, and touches nothing', async () => {
    const store = fresh()
    const original = '# my shell settings\nPROMPT_COMMAND=true\n'
    writeFileSync(store.location, original)
    await expect(
      store.write('session_key', 'CANARY-dotenv-adopt', { fingerprint: 'f', source: 'generated', at }),
    ).rejects.toMatchObject({ code: 'HUSH_E_UNSAFE_PATH', hint: expect.stringContaining('--adopt') })
    await store.remove('session_key')
    expect(await fs.readFile(store.location, 'utf8')).toBe(original)
    await expect(fs.stat(join(store.location, '..', '.hush'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('once adopted, keeps comments, order and unrelated keys, and dotenv parses what it wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-dotenv-'))
    const store = new DotenvStore(join(dir, '.env'), undefined, true)
    const original =
      '# app config\nLOG_LEVEL=info\n\n# db\nPOSTGRES_PASSWORD=old # rotate me\nexport OTHER="x y"\n'
    writeFileSync(store.location, original)
    const value = `p'a"s#s $HOME`
    await store.write('postgres_password', value, { fingerprint: 'f', source: 'generated', at })
    const text = await fs.readFile(store.location, 'utf8')
    expect(text.startsWith('# app config\nLOG_LEVEL=info\n\n# db\nPOSTGRES_PASSWORD=')).toBe(true)
    expect(text).toContain('export OTHER="x y"\n')
    const parsed = dotenv.parse(text)
    expect(parsed).toEqual({ LOG_LEVEL: 'info', POSTGRES_PASSWORD: value, OTHER: 'x y' })
    expect(await store.read('postgres_password')).toBe(value)
    // adopted once: a later store without --adopt keeps writing (hush's metadata marks the file)
    await new DotenvStore(store.location).write('other_key', 'v2', {
      fingerprint: 'g',
      source: 'generated',
      at,
    })
  })

  it('uses the env name the caller maps a secret to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-dotenv-'))
    const store = new DotenvStore(join(dir, '.env'), (name) =>
      name === 'pg_password' ? 'POSTGRES_PASSWORD' : name.toUpperCase(),
    )
    await store.write('pg_password', 'secret-value-1', { fingerprint: 'f', source: 'generated', at })
    expect(dotenv.parse(await fs.readFile(join(dir, '.env'), 'utf8'))).toEqual({
      POSTGRES_PASSWORD: 'secret-value-1',
    })
  })

  it('writes the .env file 0600', async () => {
    const store = fresh()
    await store.write('k', 'v', { fingerprint: 'f', source: 'generated', at })
    expect((await fs.stat(store.location)).mode & 0o777).toBe(0o600)
  })
})
