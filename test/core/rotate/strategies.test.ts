import { describe, expect, it } from 'vitest'
import type { SecretSpec } from '../../../src/core/manifest/types.js'
import { keyring } from '../../../src/core/rotate/strategies/keyring.js'
import { replace } from '../../../src/core/rotate/strategies/replace.js'
import type { Entries } from '../../../src/core/rotate/strategies/types.js'

interface Memory extends Entries {
  readonly map: Map<string, string>
  readonly writes: { entry: string; value: string; rotated: boolean }[]
}

function memory(initial: Record<string, string> = {}): Memory {
  const map = new Map(Object.entries(initial))
  const writes: Memory['writes'] = []
  return {
    map,
    writes,
    read: async (entry) => map.get(entry),
    async write(entry, value, rotated) {
      writes.push({ entry, value, rotated })
      map.set(entry, value)
    },
  }
}

const spec = (
  name: string,
  strategy: 'replace' | 'keyring',
  extra: { graceMs?: number; mirror?: boolean } = {},
): SecretSpec => ({
  name,
  env: name.toUpperCase(),
  required: 'all',
  source: 'generated',
  generator: { kind: 'base64', size: 32 },
  rotation: {
    strategy,
    mirror: extra.mirror ?? true,
    retainMs: 0,
    ...(extra.graceMs !== undefined ? { graceMs: extra.graceMs } : {}),
  },
})

const ring = (old: string) => ({ jwt_primary: old, jwt_previous: old, jwt: old })

describe('keyring strategy', () => {
  const jwt = spec('jwt', 'keyring', { graceMs: 7 * 86_400_000 })

  it('apply puts the new key in <name>_previous and returns it', async () => {
    const e = memory(ring('OLD'))
    expect(await keyring.apply(jwt, e, 'NEW')).toEqual({ jwt_previous: 'NEW' })
    expect(e.map.get('jwt_previous')).toBe('NEW')
    expect(e.map.get('jwt_primary')).toBe('OLD')
    expect(e.map.get('jwt')).toBe('OLD')
    expect(e.writes).toEqual([{ entry: 'jwt_previous', value: 'NEW', rotated: false }])
  })

  it('apply does not rewrite _previous when it already holds the new key', async () => {
    const e = memory({ ...ring('OLD'), jwt_previous: 'NEW' })
    expect(await keyring.apply(jwt, e, 'NEW')).toEqual({ jwt_previous: 'NEW' })
    expect(e.writes).toEqual([])
  })

  it('verify passes when _previous holds the new key and throws HUSH_E_IO when it was changed', async () => {
    const e = memory(ring('OLD'))
    await keyring.apply(jwt, e, 'NEW')
    await expect(keyring.verify(jwt, e, 'NEW')).resolves.toBeUndefined()
    e.map.set('jwt_previous', 'TAMPERED')
    await expect(keyring.verify(jwt, e, 'NEW')).rejects.toMatchObject({ code: 'HUSH_E_IO' })
  })

  it('promote writes old primary → _previous first, then _primary, then the mirror', async () => {
    const e = memory({ ...ring('OLD'), jwt_previous: 'NEW' })
    await keyring.promote(jwt, e, 'NEW', 'OLD')
    expect(e.writes).toEqual([
      { entry: 'jwt_previous', value: 'OLD', rotated: false },
      { entry: 'jwt_primary', value: 'NEW', rotated: true },
      { entry: 'jwt', value: 'NEW', rotated: true },
    ])
    expect(Object.fromEntries(e.map)).toEqual({ jwt_previous: 'OLD', jwt_primary: 'NEW', jwt: 'NEW' })
  })

  it('promote skips the mirror when rotation.mirror is false', async () => {
    const noMirror = spec('jwt', 'keyring', { graceMs: 1000, mirror: false })
    const e = memory({ jwt_primary: 'OLD', jwt_previous: 'NEW' })
    await keyring.promote(noMirror, e, 'NEW', 'OLD')
    expect(e.writes.map((w) => w.entry)).toEqual(['jwt_previous', 'jwt_primary'])
    expect(e.map.has('jwt')).toBe(false)
    expect(keyring.promoted(noMirror, 'NEW', 'OLD')).toEqual({ jwt_previous: 'OLD', jwt_primary: 'NEW' })
  })

  it('promote is a no-op when the current value already is the new one', async () => {
    const e = memory(ring('NEW'))
    await keyring.promote(jwt, e, 'NEW', 'NEW')
    expect(e.writes).toEqual([])
  })

  it('promote resumed after a cut between _primary and the mirror writes only the mirror', async () => {
    const e = memory({ jwt_previous: 'OLD', jwt_primary: 'NEW', jwt: 'OLD' })
    await keyring.promote(jwt, e, 'NEW', 'NEW')
    expect(e.writes).toEqual([{ entry: 'jwt', value: 'NEW', rotated: true }])
  })

  it('promote without a current primary puts the new key in _previous too', async () => {
    const e = memory()
    await keyring.promote(jwt, e, 'NEW', undefined)
    expect(Object.fromEntries(e.map)).toEqual({ jwt_previous: 'NEW', jwt_primary: 'NEW', jwt: 'NEW' })
  })

  it('promoted describes the entries after promotion', () => {
    expect(keyring.promoted(jwt, 'NEW', 'OLD')).toEqual({
      jwt_previous: 'OLD',
      jwt_primary: 'NEW',
      jwt: 'NEW',
    })
    expect(keyring.promoted(jwt, 'NEW', undefined)).toEqual({
      jwt_previous: 'NEW',
      jwt_primary: 'NEW',
      jwt: 'NEW',
    })
  })

  it('revoke leaves _previous = the new key and returns it', async () => {
    const e = memory({ jwt_previous: 'OLD', jwt_primary: 'NEW', jwt: 'NEW' })
    expect(await keyring.revoke(jwt, e, 'NEW')).toEqual({ jwt_previous: 'NEW' })
    expect(Object.fromEntries(e.map)).toEqual({ jwt_previous: 'NEW', jwt_primary: 'NEW', jwt: 'NEW' })
    expect(e.writes).toEqual([{ entry: 'jwt_previous', value: 'NEW', rotated: false }])
  })

  it('abort puts _previous back to the primary', async () => {
    const e = memory(ring('OLD'))
    await keyring.apply(jwt, e, 'NEW')
    await keyring.abort(jwt, e)
    expect(Object.fromEntries(e.map)).toEqual(ring('OLD'))
  })

  it('abort with no primary writes nothing', async () => {
    const e = memory({ jwt_previous: 'NEW' })
    await keyring.abort(jwt, e)
    expect(e.writes).toEqual([])
  })

  it('graceMs is rotation.graceMs with or without a rotator (0 when unset)', () => {
    expect(keyring.graceMs(jwt, false)).toBe(7 * 86_400_000)
    expect(keyring.graceMs(jwt, true)).toBe(7 * 86_400_000)
    expect(keyring.graceMs(spec('jwt', 'keyring'), false)).toBe(0)
  })
})

describe('replace strategy', () => {
  const token = spec('token', 'replace', { graceMs: 3_600_000 })

  it('apply, verify, revoke and abort touch nothing', async () => {
    const e = memory({ token: 'OLD' })
    expect(await replace.apply(token, e, 'NEW')).toEqual({})
    await expect(replace.verify(token, e, 'NEW')).resolves.toBeUndefined()
    expect(await replace.revoke(token, e, 'NEW')).toEqual({})
    await replace.abort(token, e)
    expect(e.writes).toEqual([])
    expect(e.map.get('token')).toBe('OLD')
  })

  it('promote writes only <name>', async () => {
    const e = memory({ token: 'OLD' })
    await replace.promote(token, e, 'NEW', 'OLD')
    expect(e.writes).toEqual([{ entry: 'token', value: 'NEW', rotated: true }])
    expect(replace.promoted(token, 'NEW', 'OLD')).toEqual({ token: 'NEW' })
  })

  it('promote is a no-op when the current value already is the new one', async () => {
    const e = memory({ token: 'NEW' })
    await replace.promote(token, e, 'NEW', 'NEW')
    expect(e.writes).toEqual([])
  })

  it('graceMs is 0 without a rotator and rotation.graceMs with one', () => {
    expect(replace.graceMs(token, false)).toBe(0)
    expect(replace.graceMs(token, true)).toBe(3_600_000)
    expect(replace.graceMs(spec('token', 'replace'), true)).toBe(0)
  })
})
