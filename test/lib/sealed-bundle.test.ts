/**
 * The bundle signature covers the whole document: every header field and every field of every entry.
 * Changing any one of them, or signing with another key and claiming a listed signer, fails to verify.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type Bundle,
  parseBundle,
  renderBundle,
  signatureState,
  signBundle,
} from '../../src/lib/sealed-bundle.js'
import { generateSigningKey, parseSigningKey } from '../../src/lib/signing.js'

const key = parseSigningKey(generateSigningKey(new Date(0)).file, 'test')
const other = parseSigningKey(generateSigningKey(new Date(0)).file, 'other')

const bundle: Bundle = {
  project: 'p',
  env: 'production',
  sealedAt: '2026-01-01T00:00:00.000Z',
  entries: [
    {
      name: 'a',
      value: 'alpha',
      version: 3,
      fingerprint: 'aaaaaaaaaaaa',
      updatedAt: '2025-12-01T00:00:00.000Z',
    },
    { name: 'b', value: 'beta\n\0', version: 1, createdAt: '2025-11-01T00:00:00.000Z', source: 'generated' },
  ],
}

/** One field of the bundle changed: the header, or one field of one entry. */
const tamperings: [string, (b: Bundle) => Bundle][] = [
  ['project', (b) => ({ ...b, project: 'q' })],
  ['env', (b) => ({ ...b, env: 'staging' })],
  ['sealedAt', (b) => ({ ...b, sealedAt: '2026-01-02T00:00:00.000Z' })],
  ['an entry dropped', (b) => ({ ...b, entries: b.entries.slice(1) })],
  ['an entry added', (b) => ({ ...b, entries: [...b.entries, { name: 'c', value: 'gamma' }] })],
  ...(['value', 'version', 'fingerprint', 'updatedAt', 'createdAt', 'rotatedAt', 'source'] as const).map(
    (field): [string, (b: Bundle) => Bundle] => [
      `entry ${field}`,
      (b) => ({
        ...b,
        entries: b.entries.map((e, i) =>
          i === 0 ? { ...e, [field]: field === 'version' ? 4 : `${String(e[field] ?? '')}x` } : e,
        ),
      }),
    ],
  ),
]

describe('bundle signatures', () => {
  it('survive rendering and parsing (what unseal and update-recipients do)', () => {
    const signed = signBundle(bundle, key)
    const parsed = parseBundle(renderBundle(signed), 't')
    expect(parsed.signer).toBe(key.signer)
    expect(signatureState(parsed)).toBe('valid')
    expect(signatureState(bundle)).toBe('unsigned')
  })

  it.each(tamperings)('fail when %s changes after signing', (_, tamper) => {
    const signed = signBundle(bundle, key)
    const changed = parseBundle(
      renderBundle({ ...tamper(signed), signer: signed.signer!, signature: signed.signature! }),
      't',
    )
    expect(signatureState(changed)).toBe('invalid')
  })

  it('fail when another key signed and the listed signer is claimed, or either half is missing or garbage', () => {
    const forged = signBundle(bundle, other)
    expect(signatureState({ ...forged, signer: key.signer })).toBe('invalid')
    expect(signatureState({ ...forged, signer: undefined })).toBe('invalid')
    expect(signatureState({ ...forged, signature: undefined })).toBe('invalid')
    expect(signatureState({ ...forged, signature: 'A'.repeat(86) })).toBe('invalid')
    expect(signatureState({ ...forged, signer: 'hush-ed25519:nope' })).toBe('invalid')
  })

  it('verify for any values (property: any text, control characters and NUL)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 100 }),
        fc.string({ unit: 'grapheme', minLength: 1 }),
        (a, b) => {
          const signed = signBundle(
            {
              ...bundle,
              entries: [
                { name: 'a', value: a },
                { name: 'b', value: b },
              ],
            },
            key,
          )
          expect(signatureState(parseBundle(renderBundle(signed), 't'))).toBe('valid')
        },
      ),
      { numRuns: 200 },
    )
  })
})
