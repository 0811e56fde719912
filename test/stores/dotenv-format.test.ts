import dotenv from 'dotenv'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  parseDotenv,
  quoteDotenvValue,
  removeDotenv,
  toRecord,
  upsertDotenv,
} from '../../src/stores/dotenv-format.js'

const hard = fc.constantFrom(
  "'",
  '"',
  '`',
  '\\',
  '#',
  '$',
  '\n',
  '\r',
  ' ',
  '\t',
  '=',
  'é',
  '🔑',
  'a',
  'Z',
  '0',
  'n',
  'r',
  ':',
  '{',
  '}',
)
const hardString = fc.array(hard, { maxLength: 24 }).map((cs) => cs.join(''))
const anyValue = fc.oneof(
  hardString,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
)

const surroundings = `# leading comment
LOG_LEVEL=info
export QUOTED="it's # not a comment"
SINGLE='a "b" #c'  # trailing comment

# section
EMPTY=
TICK=\`x'y"z\`
`

/** A value no quoting can carry: its refusal is expected, not a gap in the property. */
function unrepresentable(v: string): boolean {
  const all3 = v.includes("'") && v.includes('`') && v.includes('"')
  const cr = v.includes('\r') && (v.includes('"') || /\\[nr]/.test(v))
  const backslashEnd = v.endsWith('\\') && !/^[A-Za-z0-9_./:@%+,=~-]+$/.test(v)
  const singleAndTick = v.includes("'") && v.includes('`') && (v.includes('"') || /\\[nr]/.test(v))
  return all3 || cr || backslashEnd || singleAndTick
}

describe('dotenv format', () => {
  it('writes values that the real dotenv parses back exactly, leaving every other key and comment alone', () => {
    const before = dotenv.parse(surroundings)
    let refused = 0
    let runs = 0
    fc.assert(
      fc.property(anyValue, fc.boolean(), (value, existing) => {
        runs++
        const src = existing ? `${surroundings}SECRET=old # keep me\nAFTER='after'\n` : surroundings
        let out: string
        try {
          out = upsertDotenv(src, 'SECRET', value)
        } catch (err) {
          expect((err as { code: string }).code).toBe('HUSH_E_DOTENV_UNREPRESENTABLE')
          expect(unrepresentable(value)).toBe(true)
          refused++
          return
        }
        const parsed = dotenv.parse(out)
        expect(parsed.SECRET).toBe(value)
        for (const [k, v] of Object.entries(before)) expect(parsed[k]).toBe(v)
        if (existing) {
          expect(parsed.AFTER).toBe('after')
          expect(out).toContain('# keep me')
        }
        expect(out.startsWith('# leading comment\nLOG_LEVEL=info\n')).toBe(true)
        expect(out).toContain('# section\n')
        expect(toRecord(parseDotenv(out))).toEqual(parsed)
      }),
      { numRuns: 3000 },
    )
    expect(refused / runs).toBeLessThan(0.25) // the hard-character generator makes mixes on purpose
  })

  it('refuses only values that mix every quoting blind spot', () => {
    expect(() => quoteDotenvValue('K', `'"\``)).toThrow(/cannot be written/)
    for (const ok of [
      "it's",
      'say "hi"',
      'a\nb',
      'a\rb',
      'tab\there',
      ' spaced ',
      '#hash',
      '$HOME',
      '',
      'back\\slash',
    ])
      expect(dotenv.parse(`K=${quoteDotenvValue('K', ok)}`).K).toBe(ok)
  })

  it('reads every .env like dotenv does', () => {
    const line = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('', 'export '),
          fc.stringMatching(/^[A-Za-z_][\w.-]{0,8}$/),
          fc.constantFrom('=', ' = ', '= ', ': '),
          fc.oneof(
            fc.string({ maxLength: 20 }).filter((s) => !s.includes('\n')),
            hardString.map((s) => `'${s}'`),
            hardString.map((s) => `"${s}"`),
            hardString.map((s) => `\`${s}\``),
          ),
          fc.constantFrom('', ' # note', '#x'),
        )
        .map(([e, k, sep, v, c]) => `${e}${k}${sep}${v}${c}`),
      fc.constantFrom('', '# comment', '   ', 'garbage line'),
    )
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const src = lines.join(eol)
        expect(toRecord(parseDotenv(src))).toEqual(dotenv.parse(src))
      }),
      { numRuns: 2000 },
    )
  })

  it('replaces a value in place, keeping the export prefix and the inline comment', () => {
    const src = '# c\nexport A=old   # why\nB=2\n'
    expect(upsertDotenv(src, 'A', 'new')).toBe('# c\nexport A=new   # why\nB=2\n')
    expect(upsertDotenv('A=1', 'B', 'two words')).toBe("A=1\nB='two words'\n")
  })

  it('removes every assignment of a key with its line', () => {
    expect(removeDotenv('A=1\n# keep\nB=2\nA=3\n', 'A')).toBe('# keep\nB=2\n')
  })

  it('refuses keys dotenv cannot read and never echoes a value in errors', () => {
    expect(() => upsertDotenv('', 'BAD KEY', 'x')).toThrow(/not a valid .env key/)
    try {
      quoteDotenvValue('K', `SECRET-'"\`-VALUE`)
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('SECRET-')
    }
  })
})
