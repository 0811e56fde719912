/**
 * A hostile or mistaken hush.yaml cannot make hush do unbounded work: patterns run on RE2 (no
 * catastrophic backtracking) and are bounded in length and size, and generator sizes are bounded,
 * all checked when the manifest loads.
 */
import { describe, expect, it } from 'vitest'
import { parseManifest } from '../../src/core/manifest/load.js'
import { buildScanner, scanBuffer } from '../../src/core/scan/engine.js'
import { globToRegExp } from '../../src/core/scan/scan.js'
import type { HushError } from '../../src/lib/errors.js'
import { compileLinearRegex, MAX_PATTERN_LENGTH, MAX_PROGRAM_SIZE } from '../../src/lib/linear-regex.js'

const head = 'version: 1\nproject: nemo\n'
const load = (text: string) => parseManifest(`${head}${text}`, '/p/hush.yaml')
const problemsOf = (text: string): string[] => {
  try {
    load(text)
  } catch (err) {
    const e = err as HushError
    expect(e.code).toBe('HUSH_E_MANIFEST_INVALID')
    return e.items.map((i) => `${i.path}: ${i.message}`)
  }
  throw new Error('expected the manifest to be refused')
}
const generating = (gen: string) => problemsOf(`secrets:\n  k: { generate: ${gen} }\n`)
const EVIL = `${'a'.repeat(100_000)}!`

describe('pattern: runs in linear time', () => {
  it('^(a+)+$ loads and answers at once on the input that makes a backtracking engine hang', () => {
    const spec = load(`secrets:\n  k: { provide: true, pattern: "^(a+)+$" }\n`).byName.get('k')!
    expect(spec.pattern!.source).toBe('^(a+)+$')
    expect(spec.pattern!.test(EVIL)).toBe(false)
    expect(spec.pattern!.test('aaaa')).toBe(true)
  }, 60_000)

  it('other catastrophic shapes answer too: (a|a)*, (.*a){20}, nested counted repeats', () => {
    for (const source of ['^(a|a)*$', '^(.*a){20}$', '^(a{1,10}){1,10}b$', '^(\\w+\\s?)*$']) {
      const compiled = compileLinearRegex(source)
      expect(compiled.ok, source).toBe(true)
      if (compiled.ok) expect(compiled.regex.test(EVIL)).toBe(false)
    }
  }, 60_000)

  it('keeps the JavaScript syntax people write: classes, anchors, counted repeats, named groups, \\u', () => {
    const spec = load(
      `secrets:\n  k: { provide: true, pattern: '^hf_[A-Za-z0-9]{30,}$' }\n  n: { provide: true, pattern: '^(?<p>sk)-\\u0041\\d+$' }\n`,
    )
    expect(spec.byName.get('k')!.pattern!.test(`hf_${'x'.repeat(30)}`)).toBe(true)
    expect(spec.byName.get('k')!.pattern!.test('hf_short')).toBe(false)
    expect(spec.byName.get('n')!.pattern!.test('sk-A12')).toBe(true)
  })

  it('refuses what RE2 cannot run, with a reason: backreferences, lookahead, bad syntax', () => {
    expect(problemsOf(`secrets:\n  k: { provide: true, pattern: '^(a)\\1$' }\n`)).toEqual([
      'secrets.k.pattern: is not a regular expression RE2 accepts (invalid escape sequence: `\\1`); RE2 has no backreferences or lookahead, which is what keeps it linear-time',
    ])
    expect(problemsOf(`secrets:\n  k: { provide: true, pattern: 'a(?=b)' }\n`)[0]).toMatch(
      /^secrets\.k\.pattern: .*no backreferences or lookahead/,
    )
    expect(problemsOf(`secrets:\n  k: { provide: true, pattern: '[' }\n`)[0]).toMatch(
      /^secrets\.k\.pattern: is not a regular expression RE2 accepts \(missing closing \]/,
    )
  })

  it(`bounds the pattern: at most ${MAX_PATTERN_LENGTH} characters and ${MAX_PROGRAM_SIZE} instructions`, () => {
    expect(
      problemsOf(`secrets:\n  k: { provide: true, pattern: '${'a'.repeat(MAX_PATTERN_LENGTH + 1)}' }\n`),
    ).toEqual([
      `secrets.k.pattern: expected a regular expression of at most ${MAX_PATTERN_LENGTH} characters`,
    ])
    expect(problemsOf(`secrets:\n  k: { provide: true, pattern: '${'.{1000}'.repeat(11)}' }\n`)[0]).toMatch(
      new RegExp(`^secrets\\.k\\.pattern: compiles to \\d+ instructions; the limit is ${MAX_PROGRAM_SIZE}`),
    )
    expect(problemsOf(`secrets:\n  k: { provide: true, pattern: '(a{1000}){1000}' }\n`)[0]).toMatch(
      /^secrets\.k\.pattern: .*invalid repeat count/,
    )
    expect(compileLinearRegex('a'.repeat(MAX_PATTERN_LENGTH + 1))).toEqual({
      ok: false,
      problem: `is ${MAX_PATTERN_LENGTH + 1} characters long; the limit is ${MAX_PATTERN_LENGTH}`,
    })
  })
})

describe('scan.rules and scan.allow.paths: the same rule', () => {
  it('a scan rule regex goes through the same check at load', () => {
    const rules = (regex: string) =>
      problemsOf(`secrets: {}\nscan:\n  rules:\n    - { id: mine, keywords: [tok], regex: '${regex}' }\n`)
    expect(rules('tok(?=x)')[0]).toMatch(/^scan\.rules\.0\.regex: .*no backreferences or lookahead/)
    expect(rules('x'.repeat(MAX_PATTERN_LENGTH + 1))[0]).toMatch(
      /^scan\.rules\.0\.regex: expected a regular expression of at most/,
    )
  })

  it('a catastrophic scan rule runs on RE2 over a hostile window and still finds what it should', () => {
    const manifest = load(
      `secrets: {}\nscan:\n  rules:\n    - { id: evil, keywords: [tok], regex: 'tok=((a+)+)$' }\n`,
    )
    const rule = manifest.scan.rules[0]!
    const scanner = buildScanner({
      rules: [
        { id: rule.id, description: rule.id, keywords: rule.keywords, regex: rule.regex, after: 100_000 },
      ],
      known: [],
    })
    expect(scanBuffer(scanner, Buffer.from(`tok=${'a'.repeat(50_000)}!`))).toEqual([])
    const found = scanBuffer(scanner, Buffer.from('x tok=aaaa'))
    expect(found.map((f) => [f.rule, f.start, f.end])).toEqual([['evil', 6, 10]])
  }, 60_000)

  it('an allowed-path glob of many stars cannot backtrack', () => {
    const glob = `${'*a'.repeat(60)}*b`
    expect(globToRegExp(glob).test('a'.repeat(4000))).toBe(false)
    expect(globToRegExp('fixtures/**').test('fixtures/x/y.txt')).toBe(true)
    expect(globToRegExp('*.pem').test('dir/key.pem')).toBe(false)
    expect(problemsOf(`secrets: {}\nscan:\n  allow: { paths: ['${'*'.repeat(201)}'] }\n`)[0]).toBe(
      'scan.allow.paths.0: expected a glob of at most 200 characters',
    )
  }, 60_000)
})

describe('generator sizes are bounded when the manifest loads', () => {
  it('rsa: 2048 to 8192 bits (rsa:65536 ran for more than ten minutes)', () => {
    expect(generating('rsa:65536')).toEqual(['secrets.k.generate: rsa takes 2048 to 8192 bits, not 65536'])
    expect(generating('rsa:1024')).toEqual(['secrets.k.generate: rsa takes 2048 to 8192 bits, not 1024'])
    expect(generating('rsa:2049')).toEqual([
      'secrets.k.generate: rsa keys need a multiple of 8 bits, not 2049',
    ])
    expect(load('secrets:\n  k: { generate: rsa:8192 }\n').byName.get('k')).toMatchObject({
      generator: { kind: 'rsa', size: 8192 },
    })
  })

  it('bytes: 16 to 1024 bytes of randomness (hex:100000000 wrote a 200 MB secret)', () => {
    expect(generating('hex:100000000')).toEqual([
      'secrets.k.generate: hex takes 16 to 1024 bytes of randomness, not 100000000',
    ])
    expect(generating('base64:1025')).toEqual([
      'secrets.k.generate: base64 takes 16 to 1024 bytes of randomness, not 1025',
    ])
    expect(generating('base64url:8')).toEqual([
      'secrets.k.generate: base64url takes 16 to 1024 bytes of randomness, not 8',
    ])
    expect(generating('{ kind: hex, size: 99999999999 }')).toEqual([
      'secrets.k.generate: hex takes 16 to 1024 bytes of randomness, not 99999999999',
    ])
  })

  it('passwords: 12 to 256 characters (password:0 wrote an empty secret, password:1 passed check)', () => {
    expect(generating('password:0')).toEqual([
      'secrets.k.generate: password takes 12 to 256 characters, not 0',
    ])
    expect(generating('password:1')).toEqual([
      'secrets.k.generate: password takes 12 to 256 characters, not 1',
    ])
    expect(generating('alnum:257')).toEqual(['secrets.k.generate: alnum takes 12 to 256 characters, not 257'])
    expect(generating('{ kind: password, length: 11 }')).toEqual([
      'secrets.k.generate: password takes 12 to 256 characters, not 11',
    ])
    expect(generating('{ kind: password, length: 0 }')[0]).toMatch(/^secrets\.k\.generate\.length: /)
  })

  it('uuid and ed25519 take no size, rather than ignoring one', () => {
    expect(generating('uuid:4096')).toEqual(['secrets.k.generate: uuid takes no size'])
    expect(generating('ed25519:4096')).toEqual(['secrets.k.generate: ed25519 takes no size'])
  })

  it('the defaults and the bounds themselves load', () => {
    const m = load(`secrets:
  a: { generate: base64 }
  b: { generate: hex:16 }
  c: { generate: base64url:1024 }
  d: { generate: password:12 }
  e: { generate: alnum:256 }
  f: { generate: rsa }
  g: { generate: uuid }
  h: { generate: ed25519 }
`)
    expect(m.secrets.map((s) => (s.source === 'generated' ? s.generator.size : -1))).toEqual([
      32, 16, 1024, 12, 256, 3072, 0, 0,
    ])
  })
})

describe('an empty value is no value', () => {
  it('a fixed value: "" is refused at load', () => {
    expect(problemsOf(`secrets:\n  k: { value: "" }\n`)).toEqual([
      'secrets.k.value: expected a value; an empty value is no value',
    ])
  })
})
