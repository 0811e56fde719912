/** A test app signs and verifies through the key ring while the ring is rotated on disk, as seed 000's runbook does. */
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import prom from 'prom-client'
import { describe, expect, it } from 'vitest'
import { KeyRing, sessionSecrets } from '../../src/runtime/jwt.js'

function secretsDir(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'hush-jwt-'))
  for (const [name, value] of Object.entries(files)) writeFileSync(join(dir, name), `${value}\n`)
  return { dir, env: { HUSH_SECRETS_DIR: dir, NODE_ENV: 'production' }, cwd: dir, metrics: false }
}
const key = (n: number) =>
  Buffer.alloc(32, n)
    .toString('base64')
    .replace(/A/g, String.fromCharCode(65 + n))

describe('KeyRing', () => {
  it('survives a rotation on disk: old tokens verify with previous: true until the previous key is removed', async () => {
    const s = secretsDir({ jwt_secret_primary: key(1), jwt_secret_previous: key(1) })
    const ring = await KeyRing.load('jwt_secret', s)
    const oldToken = await ring.sign({ sub: 'u1' }, { expiresIn: '15m' })
    const oldKid = ring.primaryKid
    expect(await ring.verify(oldToken)).toMatchObject({
      payload: { sub: 'u1' },
      kid: oldKid,
      previous: false,
    })

    // rotate: primary → previous, new primary (seed 000's runbook steps 1-2)
    renameSync(join(s.dir, 'jwt_secret_primary'), join(s.dir, 'jwt_secret_previous'))
    writeFileSync(join(s.dir, 'jwt_secret_primary'), key(2))
    ring.reload()
    expect(ring.primaryKid).not.toBe(oldKid)
    expect(ring.kids.sort()).toEqual([oldKid, ring.primaryKid].sort())
    expect(await ring.verify(oldToken)).toMatchObject({ payload: { sub: 'u1' }, kid: oldKid, previous: true })
    const newToken = await ring.sign({ sub: 'u2' })
    expect(await ring.verify(newToken)).toMatchObject({ previous: false, kid: ring.primaryKid })

    // end of the grace window: the previous key is gone
    writeFileSync(join(s.dir, 'jwt_secret_previous'), key(2))
    ring.reload()
    await expect(ring.verify(oldToken)).rejects.toMatchObject({ code: 'HUSH_E_JWT_UNKNOWN_KID' })
    expect(await ring.verify(newToken)).toMatchObject({ previous: false })
  })

  it('rejects an unknown kid without trying other keys, a bad signature, an expired token and garbage', async () => {
    const s = secretsDir({ jwt_secret_primary: key(3), jwt_secret_previous: key(4) })
    const ring = await KeyRing.load('jwt_secret', s)
    const foreign = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: 'not-ours' })
      .sign(Buffer.from(key(3)))
    await expect(ring.verify(foreign)).rejects.toMatchObject({ code: 'HUSH_E_JWT_UNKNOWN_KID' })
    // right kid, key of the other ring member: the kid picks the key, so the signature fails
    const wrongKey = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: ring.primaryKid })
      .sign(Buffer.from(key(4)))
    await expect(ring.verify(wrongKey)).rejects.toMatchObject({ code: 'HUSH_E_JWT_SIGNATURE' })
    const expired = await ring.sign({ sub: 'x', exp: Math.floor(Date.now() / 1000) - 60 })
    await expect(ring.verify(expired)).rejects.toMatchObject({ code: 'HUSH_E_JWT_EXPIRED' })
    await expect(ring.verify('not.a.token')).rejects.toMatchObject({ code: 'HUSH_E_JWT_INVALID' })
    const none = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS512', kid: ring.primaryKid })
      .sign(Buffer.from(key(3)))
    await expect(ring.verify(none)).rejects.toMatchObject({ code: 'HUSH_E_JWT_INVALID' })
  })

  it('reads the legacy single file when only it exists', async () => {
    const s = secretsDir({ jwt_secret: key(5) })
    const ring = await KeyRing.load('jwt_secret', s)
    expect(await ring.verify(await ring.sign({ a: 1 }))).toMatchObject({ previous: false })
  })

  it('signs with EdDSA when the secret is an ed25519 key pair', async () => {
    const pem = () =>
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const s = secretsDir({ signing_key_primary: pem(), signing_key_previous: pem() })
    const ring = await KeyRing.load('signing_key', s)
    const token = await ring.sign({ sub: 'u' })
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({
      alg: 'EdDSA',
      kid: ring.primaryKid,
    })
    expect(await ring.verify(token)).toMatchObject({ previous: false })
  })

  it('fails loudly when the ring has no key, and never shows a key in an error', async () => {
    const s = secretsDir({})
    await expect(KeyRing.load('jwt_secret', s)).rejects.toMatchObject({ code: 'HUSH_E_SECRETS' })
    rmSync(s.dir, { recursive: true })
  })

  it('counts verifications by kid, previous-key use and failures by reason in prom-client', async () => {
    prom.register.clear()
    const s = secretsDir({ jwt_secret_primary: key(6), jwt_secret_previous: key(7) })
    const ring = await KeyRing.load('jwt_secret', { ...s, metrics: true })
    const prevRing = await KeyRing.load('jwt_secret', {
      ...secretsDir({ jwt_secret_primary: key(7) }),
      metrics: false,
    })
    await ring.verify(await ring.sign({}))
    await ring.verify(await prevRing.sign({}))
    await ring.verify('x.y.z').catch(() => {})
    const text = await prom.register.metrics()
    expect(text).toContain(`hush_jwt_verifications_total{kid="${ring.primaryKid}"} 1`)
    expect(text).toContain(`hush_jwt_previous_key_verifications_total{kid="${prevRing.primaryKid}"} 1`)
    expect(text).toContain('hush_jwt_verification_failures_total{reason="invalid"} 1')
  })
})

describe('sessionSecrets', () => {
  it('returns [primary, previous] for express-session style arrays', () => {
    const s = secretsDir({ session_secret_primary: key(8), session_secret_previous: key(9) })
    expect(sessionSecrets('session_secret', s)).toEqual([key(8), key(9)])
    const same = secretsDir({ session_secret_primary: key(8), session_secret_previous: key(8) })
    expect(sessionSecrets('session_secret', same)).toEqual([key(8)])
  })
})
