import { spawnSync } from 'node:child_process'
import { format, inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { Secrets } from '../../src/runtime/load.js'
import { Secret } from '../../src/runtime/secret.js'

const CANARY = 'CANARY-secret-value-7e1f'

describe('Secret', () => {
  const s = new Secret('session_key', CANARY, 'env SESSION_KEY')

  it('prints [secret name] through every accidental path', () => {
    const outputs = [
      String(s),
      `${s}`,
      // biome-ignore lint/style/useTemplate: concatenation is one of the paths under test
      '' + s,
      [s].join(','),
      JSON.stringify(s),
      JSON.stringify({ config: { key: s } }),
      inspect(s),
      inspect({ nested: [s] }, { depth: 5 }),
      format('%s %o %O %j %d', s, s, s, s, s),
      new Error(`could not connect with ${s}`).message,
      String(new Secrets([s]).get('session_key')),
      JSON.stringify(new Secrets([s])),
      inspect(new Secrets([s])),
    ]
    for (const out of outputs) expect(out).not.toContain(CANARY)
    expect(String(s)).toBe('[secret session_key]')
    expect(JSON.stringify({ k: s })).toBe('{"k":"[secret session_key]"}')
  })

  it('console.log and a thrown error print no value (checked in a real process)', () => {
    const code = `
      import { Secret } from ${JSON.stringify(new URL('../../src/runtime/secret.ts', import.meta.url).pathname)}
      const s = new Secret('k', ${JSON.stringify(CANARY)})
      console.log(s); console.log('%s', s); console.error({ s }); console.dir(s)
      throw new Error('failed with ' + s)
    `
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8',
    })
    expect(r.stdout + r.stderr).toContain('[secret k]')
    expect(r.stdout + r.stderr).not.toContain(CANARY)
  })

  it('reveals the value, its bytes, and compares in constant time', () => {
    expect(s.reveal()).toBe(CANARY)
    expect(s.bytes()).toEqual(Buffer.from(CANARY))
    expect(s.equals(CANARY)).toBe(true)
    expect(s.equals(new Secret('other', CANARY))).toBe(true)
    expect(s.equals(Buffer.from(CANARY))).toBe(true)
    expect(s.equals(`${CANARY}x`)).toBe(false)
    expect(s.equals('')).toBe(false)
    expect(s.source).toBe('env SESSION_KEY')
  })
})
