import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodingsOf, Redactor } from '../../src/core/inject/redact.js'

const SECRETS = [
  { name: 'db_password', value: 'p@ss/w0rd+"quoted"&é' },
  { name: 'api_key', value: 'sk-CANARY-1234567890abcdef' },
  { name: 'phrase', value: "it's a (long) pass! 🔑" },
]
const [DB, , PHRASE] = SECRETS.map((s) => s.value) as [string, string, string]
const hex4 = (unit: number) => unit.toString(16).padStart(4, '0')

// one redactor for all: end() leaves it ready for the next stream
const redactor = new Redactor(SECRETS)
function run(chunks: string[], r = redactor): string {
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

  it('masks a value inside a longer base64 blob at each byte alignment, with its partial characters and padding (Basic auth)', () => {
    const n = Buffer.byteLength(DB)
    for (const alphabet of ['base64', 'base64url'] as const)
      for (const prefix of ['', 'u:', 'us:', 'use:'])
        for (const suffix of ['', 'x', 'xy', ':tail']) {
          const blob = Buffer.from(`${prefix}${DB}${suffix}`).toString(alphabet)
          const p = Buffer.byteLength(prefix)
          // the characters that hold any bit of the value: from the one holding its first byte's top bits
          // to the one holding its last byte's low bits, then the padding when the blob ends there
          const kept = [
            blob.slice(0, Math.floor((8 * p) / 6)),
            suffix ? blob.slice(Math.ceil((8 * (p + n)) / 6)) : '',
          ]
          const line = `Authorization: Basic ${blob}\n`
          const want = `Authorization: Basic ${kept[0]}[secret db_password]${kept[1]}\n`
          for (let i = 0; i <= line.length; i++)
            expect(
              run([line.slice(0, i), line.slice(i)]),
              `${alphabet} ${prefix}|${suffix} cut at ${i}`,
            ).toBe(want)
        }
  })

  it('masks percent-encoding with lower-case escapes, and form encoding', () => {
    const lower = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())
    for (const { name, value } of SECRETS) {
      const form = new URLSearchParams({ v: value }).toString().slice(2)
      for (const text of [lower(encodeURIComponent(value)), form, lower(form)])
        expect(run([`?q=${text}&x=1\n`])).toBe(`?q=[secret ${name}]&x=1\n`)
    }
    expect(lower(encodeURIComponent(DB))).toContain('%2f')
    expect(new URLSearchParams({ v: PHRASE }).toString()).toContain('+a+%28long%29')
  })

  it('masks \\uXXXX JSON escapes: non-ASCII (Python), <>& (Go), every character, in either case', () => {
    const jsonWith = (value: string, which: RegExp, upper = false) =>
      JSON.stringify(value)
        .slice(1, -1)
        .replace(which, (c) => `\\u${upper ? hex4(c.charCodeAt(0)).toUpperCase() : hex4(c.charCodeAt(0))}`)
    for (const { name, value } of SECRETS) {
      const every = value
        .split('') // UTF-16 code units: 🔑 is a surrogate pair
        .map((unit) => `\\u${hex4(unit.charCodeAt(0))}`)
        .join('')
      for (const text of [
        jsonWith(value, /[\u0080-\uffff]/g),
        jsonWith(value, /[\u0080-\uffff]/g, true),
        jsonWith(value, /[<>&]/g),
        every,
        every.toUpperCase().replaceAll('\\U', '\\u'),
      ])
        expect(run([`{"secret":"${text}"}\n`])).toBe(`{"secret":"[secret ${name}]"}\n`)
    }
    expect(jsonWith(DB, /[\u0080-\uffff]/g)).toContain('\\u00e9')
    expect(jsonWith(PHRASE, /[\u0080-\uffff]/g)).toContain('\\ud83d\\udd11')
    expect(jsonWith(DB, /[<>&]/g)).toContain('\\u0026')
  })

  it('does not redact values shorter than 4 characters, and says so', () => {
    const r = new Redactor([{ name: 'pin', value: '123' }])
    expect(r.skipped).toEqual(['pin'])
    expect(Buffer.concat([r.push(Buffer.from('a123b')), r.end()]).toString()).toBe('a123b')
  })
})
