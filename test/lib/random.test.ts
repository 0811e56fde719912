import { createPrivateKey } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generate } from '../../src/core/generate/generators.js'
import { randomString } from '../../src/lib/random.js'

describe('randomString', () => {
  it('has no modulo bias: fed every byte value once, each character comes out equally often', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 256 }), (n) => {
        const charset = Array.from({ length: n }, (_, i) => String.fromCodePoint(0x100 + i)).join('')
        const all = Uint8Array.from({ length: 256 }, (_, i) => i)
        let fed = false
        const source = (size: number) => {
          if (fed) return new Uint8Array(size).fill(255) // only rejected bytes afterwards... unless n divides 256
          fed = true
          return all
        }
        const accepted = 256 - (256 % n)
        const out = randomString(charset, accepted, source)
        const counts = new Map<string, number>()
        for (const ch of out) counts.set(ch, (counts.get(ch) ?? 0) + 1)
        expect(counts.size).toBe(n)
        for (const c of counts.values()) expect(c).toBe(accepted / n)
      }),
    )
  })

  it('rejects exactly the bytes at or above the largest multiple of the charset size', () => {
    // 62 characters: bytes 248..255 must be skipped, 0..247 map to chars[byte % 62]
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
    const out = randomString(chars, 3, () => Uint8Array.from([248, 255, 0, 61, 247]))
    expect(out).toBe(`${chars[0]}${chars[61]}${chars[247 % 62]}`)
  })

  it('always returns the requested length from the charset', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 2, maxLength: 80 }),
        fc.integer({ min: 0, max: 200 }),
        (raw, length) => {
          const charset = [...new Set(raw)].join('')
          fc.pre([...charset].length >= 2)
          const out = randomString(charset, length)
          expect([...out].length).toBe(length)
          for (const ch of out) expect(charset.includes(ch)).toBe(true)
        },
      ),
    )
  })
})

describe('generators', () => {
  it('make values of the documented shape', () => {
    expect(Buffer.from(generate({ kind: 'base64', size: 32 }).value, 'base64')).toHaveLength(32)
    expect(generate({ kind: 'base64url', size: 32 }).value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(generate({ kind: 'hex', size: 16 }).value).toMatch(/^[0-9a-f]{32}$/)
    expect(generate({ kind: 'alnum', size: 20, charset: 'ab' }).value).toMatch(/^[ab]{20}$/)
    expect(generate({ kind: 'uuid', size: 0 }).value).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('make ed25519 and rsa key pairs in PEM with a public half', () => {
    const ed = generate({ kind: 'ed25519', size: 0 })
    expect(createPrivateKey(ed.value).asymmetricKeyType).toBe('ed25519')
    expect(ed.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/)
    const rsa = generate({ kind: 'rsa', size: 2048 })
    expect(createPrivateKey(rsa.value).asymmetricKeyDetails?.modulusLength).toBe(2048)
  })

  it('never repeat a value', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => generate({ kind: 'base64', size: 16 }).value))
    expect(seen.size).toBe(2000)
  })
})
