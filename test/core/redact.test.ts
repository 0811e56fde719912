import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodingsOf, Redactor } from '../../src/core/inject/redact.js'

const SECRETS = [
  { name: 'db_password', value: 'p@ss/w0rd+"quoted"&é' },
  { name: 'api_key', value: 'sk-CANARY-1234567890abcdef' },
]

function run(chunks: string[]): string {
  const r = new Redactor(SECRETS)
  return Buffer.concat([...chunks.map((c) => r.push(Buffer.from(c))), r.end()]).toString()
}

describe('redactor', () => {
  it('masks every value in raw, base64, base64url, URL-encoded, hex and JSON-escaped form', () => {
    for (const { name, value } of SECRETS)
      for (const form of encodingsOf(value)) {
        const out = run([`before ${form} after\n`])
        expect(out).toBe(`before [secret ${name}] after\n`)
      }
  })

  it('masks values split across writes at every position', () => {
    for (const { value } of SECRETS)
      for (const form of encodingsOf(value)) {
        const text = `x${form}y${form}`
        for (let i = 0; i <= text.length; i++) {
          const out = run([text.slice(0, i), text.slice(i)])
          for (const f of encodingsOf(value)) expect(out).not.toContain(f)
        }
      }
  })

  it('keeps ordinary output byte for byte, including multi-byte characters split across writes', () => {
    const text = 'grüße 🔑 — no secrets here\n'
    const bytes = Buffer.from(text)
    const r = new Redactor(SECRETS)
    const out = Buffer.concat([
      r.push(bytes.subarray(0, 3)),
      r.push(bytes.subarray(3, 9)),
      r.push(bytes.subarray(9)),
      r.end(),
    ])
    expect(out.toString()).toBe(text)
  })

  it('finds no secret in any chunking of any output (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 12 }),
            fc.constantFrom(...SECRETS.flatMap((s) => encodingsOf(s.value))),
          ),
          { maxLength: 8 },
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        (parts, cuts) => {
          const text = parts.join('')
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
          const chunks = [0, ...points, text.length]
            .slice(1)
            .map((end, i, all) => text.slice(i === 0 ? 0 : all[i - 1], end))
          const out = run(chunks)
          for (const { value } of SECRETS) for (const f of encodingsOf(value)) expect(out).not.toContain(f)
        },
      ),
      { numRuns: 1500 },
    )
  })

  it('does not redact values shorter than 4 characters, and says so', () => {
    const r = new Redactor([{ name: 'pin', value: '123' }])
    expect(r.skipped).toEqual(['pin'])
    expect(Buffer.concat([r.push(Buffer.from('a123b')), r.end()]).toString()).toBe('a123b')
  })
})
