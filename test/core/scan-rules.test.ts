/** The built-in scan rules: each finds its credential format and none of its look-alikes, on hostile input too. */
import { describe, expect, it } from 'vitest'
import { compileAutomaton, runAutomaton } from '../../src/core/scan/automaton.js'
import { buildScanner, scanBuffer } from '../../src/core/scan/engine.js'
import { knownPatterns } from '../../src/core/scan/known.js'
import { BUILTIN_RULES } from '../../src/core/scan/rules.js'
import { HOSTILE_INPUTS } from '../helpers/hostile-inputs.js'
import { ALNUM, chars, samples } from '../helpers/tokens.js'

const scanner = buildScanner({ rules: BUILTIN_RULES, known: [] })
const rulesIn = (text: string) => scanBuffer(scanner, Buffer.from(text)).map((f) => f.rule)

const j = (...parts: string[]) => parts.join('')

/** Strings that look like each rule's format and must not be reported. */
const LOOK_ALIKES: Record<string, string[]> = {
  'aws-access-key-id': [
    j('AKIA', 'IOSFODNN7', 'EXAMPLE'),
    j('AKIA', 'ABCDEF123'),
    j('akia', chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16).toLowerCase()),
  ],
  'aws-secret-access-key': [
    'aws_secret_access_key = "${AWS_SECRET_ACCESS_KEY}"',
    j('aws_secret_access_key = "', 'a'.repeat(40), '"'),
  ],
  'openai-api-key': ['sk-proj-short', 'OPENAI_API_KEY=sk-proj-your-key-here'],
  'anthropic-api-key': [j('sk-', 'ant-api03-', 'tooshort')],
  'huggingface-token': ['self.hf_config = load()', j('hf', '_', chars('abcdefghijklmnopqrstuvwxyz', 33))],
  'github-token': [j('gh', 'p_', 'x'.repeat(36)), j('gh', 'p_', chars(ALNUM, 35)), 'ghp_your_token_here'],
  'gitlab-token': ['glpat-xxxx', 'glpat-your-token-goes-here'],
  'slack-token': ['xoxb-your-token', 'SLACK_TOKEN=xoxb-placeholder'],
  'slack-webhook': ['https://hooks.slack.com/services/T000/B000/XXXX'],
  'stripe-secret-key': [j('sk', '_test_', 'x'.repeat(24)), 'sk_live_short', 'pk_live_' + chars(ALNUM, 24)],
  'google-api-key': [j('AI', 'za', chars(ALNUM, 30))],
  'mapbox-secret-token': [j('pk.', 'eyJ', chars(ALNUM, 60), '.', chars(ALNUM, 22))],
  'sentry-dsn': ['https://public@sentry.example.com/1', 'SENTRY_DSN=https://<key>@o0.ingest.sentry.io/0'],
  jwt: ['eyJhbGciOiJIUzI1NiJ9', 'const header = "eyJ" + encoded'],
  'private-key': [
    '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n',
    '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
  ],
  'age-secret-key': ['AGE-SECRET-KEY-1QQQQ', 'the identity starts with AGE-SECRET-KEY-1 and is secret'],
  'url-password': [
    'postgres://app:${DB_PASSWORD}@db/app',
    'https://user:password@example.com',
    'redis://:changeme@cache:6379',
    'mongodb://admin:<password>@host/db',
    'see https://example.com/docs and http://localhost:3000/x',
  ],
  'generic-secret': [
    'password = getPassword()',
    'const token = scanner2.scanJsDocToken();',
    'token = self.scanner2.token',
    'PASSWORD=changeme_please_now',
    'password: ${DB_PASSWORD}',
    'secret = process.env.SECRET_KEY_2',
    'API_KEY=your_api_key_here',
    'exports.AuthenticationMD5Password = AuthenticationMD5Password;',
    '"integrity": "sha512-3xtxWv5Vb3JBOfrEfyS6ZG0WyHgDrz4D2ol1LkZw6x1GPRFJAnAF3Bn0yj9m1h7Uw+TqT+2A4+0A=="',
    'id: 3f2b8e4c-9d1a-4e7b-8c2f-6a5d4e3b2c1a',
  ],
}

describe('built-in scan rules', () => {
  const planted = samples()
  for (const rule of BUILTIN_RULES) {
    it(`${rule.id}: finds the format and none of its look-alikes`, () => {
      const sample = planted[rule.id]
      expect(sample, `a sample for ${rule.id}`).toBeDefined()
      expect(rulesIn(`config:\n  value: ${sample}\n`)).toContain(rule.id)
      for (const look of LOOK_ALIKES[rule.id] ?? []) expect(rulesIn(look), look).toEqual([])
    })
  }

  it('every rule has a sample and look-alikes', () => {
    expect(Object.keys(planted).sort()).toEqual(BUILTIN_RULES.map((r) => r.id).sort())
    expect(Object.keys(LOOK_ALIKES).sort()).toEqual(BUILTIN_RULES.map((r) => r.id).sort())
  })

  it('hush:allow on the line suppresses a finding, findings carry no secret text', async () => {
    const { locate } = await import('../../src/core/scan/locate.js')
    const text = `a = 1\nkey = "${planted['github-token']}" # hush:allow\nother = "${planted['stripe-secret-key']}"\n`
    const buf = Buffer.from(text)
    const found = locate(buf, scanBuffer(scanner, buf))
    expect(found.map((f) => [f.rule, f.line])).toEqual([['stripe-secret-key', 3]])
    expect(JSON.stringify(found)).not.toContain(planted['stripe-secret-key']!.slice(8))
  })
})

describe('known values', () => {
  // quotes and a backslash (JSON escapes them) and bytes whose base64 holds / and + (base64url differs)
  const value = 'Kx9"mP2\\vL7qR4tZ/w+8=é?ÿ'
  const known = knownPatterns([{ name: 'session_key', fingerprint: 'abc123def456', value }])
  const s = buildScanner({ rules: [], known })
  const enc = (text: string) => scanBuffer(s, Buffer.from(text)).map((f) => f.encoding)
  const b = Buffer.from(value)
  /** `text` with the characters `which` matches written as \uXXXX, one per UTF-16 unit */
  const uEscaped = (text: string, which: RegExp) =>
    text.replace(which, (c) =>
      c
        .split('')
        .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
        .join(''),
    )

  it.each([
    ['raw', `x=${value}`],
    ['base64', `x=${b.toString('base64')}`],
    ['base64url', `x=${b.toString('base64url')}`],
    ['url', `x=${encodeURIComponent(value)}`],
    ['hex', `x=${b.toString('hex')}`],
    ['hex', `x=${b.toString('hex').toUpperCase()}`],
    ['json', `{"x":${JSON.stringify(value)}}`],
    ['url', `x=${encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`],
    ['url', `x=${new URLSearchParams({ v: value }).toString().slice(2)}`],
    ['json', `{"x":"${uEscaped(JSON.stringify(value).slice(1, -1), /[\u0080-\uffff]/g)}"}`],
    ['json', `{"x":"${uEscaped(value, /./gsu)}"}`],
  ])('finds the %s form', (encoding, text) => {
    expect(enc(text)).toContain(encoding)
  })

  it('finds a value inside a longer base64 blob at every byte alignment (Basic auth)', () => {
    for (const prefix of ['', 'u:', 'us:', 'use:'])
      expect(
        enc(`Authorization: Basic ${Buffer.from(`${prefix}${value}`).toString('base64')}`),
        prefix,
      ).toContain('base64')
  })

  it('skips values shorter than 8 characters', () => {
    expect(knownPatterns([{ name: 'pin', fingerprint: 'f', value: 'abc1234' }])).toEqual([])
  })
})

describe('automaton', () => {
  it('a small scan (direct search, no automaton) finds exactly what the automaton finds', () => {
    const known = knownPatterns([{ name: 'k', fingerprint: 'f', value: 'Kx9mP2vL7qR4tZw8' }])
    const spec = { rules: BUILTIN_RULES, known }
    const big = buildScanner(spec)
    const small = buildScanner(spec, { small: true })
    const planted = Object.values(samples(3))
    for (let seed = 0; seed < 20; seed++) {
      const parts = [
        chars(`${ALNUM} =:\n"./-_`, 2000, seed + 1),
        ...planted.slice(seed % 5),
        'Kx9mP2vL7qR4tZw8',
        Buffer.from('Kx9mP2vL7qR4tZw8').toString('hex').toUpperCase(),
      ]
      const text = Buffer.from(parts.sort(() => (seed % 3) - 1).join('\n'))
      expect(scanBuffer(small, text)).toEqual(scanBuffer(big, text))
    }
  })

  it('reports every occurrence of every pattern, case-insensitively, like indexOf', () => {
    const patterns = ['he', 'she', 'his', 'hers', 'akia', 'password', 'sk-', 'a', 'aa']
    const a = compileAutomaton(patterns.map((p) => Buffer.from(p)))
    const text = 'ushers AKIA aaa Password sk-x hisshe'
    const got: string[] = []
    runAutomaton(a, Buffer.from(text), (id, end) => got.push(`${patterns[id]}@${end}`))
    const want: string[] = []
    const lower = text.toLowerCase()
    for (const p of patterns)
      for (let i = lower.indexOf(p); i >= 0; i = lower.indexOf(p, i + 1)) want.push(`${p}@${i + p.length}`)
    expect(got.sort()).toEqual(want.sort())
  })
})

describe('hostile input', () => {
  // these inputs make a backtracking rule run for ever; their throughput is measured by
  // bench/scan-hostile.mjs (npm run bench:scan-hostile), not here: a unit test asserts no wall-clock figure
  const planted = samples()
  for (const [name, make] of HOSTILE_INPUTS)
    it(`${name}: finishes with no finding, and a credential after it is still found`, () => {
      const buf = make()
      expect(scanBuffer(scanner, buf)).toEqual([])
      const tail = Buffer.from(`\n${planted['github-token']}\n`)
      expect(scanBuffer(scanner, Buffer.concat([buf, tail])).map((f) => f.rule)).toEqual(['github-token'])
    })
})
