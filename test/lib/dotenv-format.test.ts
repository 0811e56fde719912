import dotenv from 'dotenv'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  parseDotenv,
  quoteDotenvValue,
  removeDotenv,
  toRecord,
  upsertDotenv,
} from '../../src/lib/dotenv-format.js'
import { HushError } from '../../src/lib/errors.js'

const HARD = [
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
  'n',
  'r',
  'a',
  '\u2028',
  '\0',
]
const hardString = fc.array(fc.constantFrom(...HARD), { maxLength: 16 }).map((cs) => cs.join(''))
/** Values tagged with whether they come from the generator that mixes hard characters on purpose. */
const values = fc.oneof(
  hardString.map((v) => ({ v, mixed: true })),
  fc.string({ unit: 'binary', maxLength: 40 }).map((v) => ({ v, mixed: false })),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((v) => ({ v, mixed: false })),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((v) => ({ v, mixed: false })),
)

/**
 * A necessary condition for a refusal, stated independently of the module: quoting fails when the
 * value ends in a backslash, or needs double quotes (for a CR, or because it has both other quote
 * characters) that cannot hold a `"` or a written `\n`/`\r`; and writing it bare fails on `#`,
 * line breaks, outer blanks or a leading quote.
 */
function isHard(v: string): boolean {
  const noDoubleQuotes = v.includes('"') || /\\[nr]/.test(v)
  const quotingFails =
    v.endsWith('\\') || ((v.includes('\r') || (v.includes("'") && v.includes('`'))) && noDoubleQuotes)
  const bareFails = v !== v.trim() || /^['"`]|[#\r\n\u2028\u2029]/.test(v)
  return quotingFails && bareFails
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (err) {
    expect(err).toBeInstanceOf(HushError)
    return (err as HushError).code
  }
  return undefined
}

const BEFORE = `# leading comment, with "quotes" and 'more'
LOG_LEVEL=info
export QUOTED="it's # not a comment"
SINGLE='a "b" #c'  # trailing comment
TICK=\`x'y"z\`

# section
EMPTY=
SPACED = spaced value   # note
PEM='-----BEGIN KEY-----
abc#def
-----END KEY-----'
ESCAPED="a\\"b"
`
const AFTER = `# after: it's "here"
DB_URL=postgres://u:p@h:5432/db?x=1#frag
MULTI="one\\ntwo"
LAST='end'`
const PLACEMENTS = {
  absent: '',
  once: 'SECRET=old # keep me\n',
  colon: 'SECRET: old\n',
  twice: 'export SECRET=\'older\'\nOTHER=1\nSECRET = "old"  # keep me\n',
}

const commentLines = (src: string) => src.split(/\r?\n/).filter((l) => l.startsWith('#'))

describe('upsertDotenv', () => {
  it('writes any value so that dotenv reads it back exactly, leaving the rest of the file alone', () => {
    let runs = 0
    let refusedMixed = 0
    let refusedOther = 0
    const seen = new Map(HARD.map((c) => [c, 0]))
    fc.assert(
      fc.property(
        values,
        fc.constantFrom(...Object.values(PLACEMENTS)),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        ({ v, mixed }, placement, eol, finalEol) => {
          runs++
          const src = `${BEFORE}${placement}${AFTER}${finalEol ? '\n' : ''}`.replace(/\n/g, eol)
          const before = dotenv.parse(src)
          let out = ''
          const code = codeOf(() => {
            out = upsertDotenv(src, 'SECRET', v)
          })
          if (code !== undefined) {
            expect(code).toBe('HUSH_E_DOTENV_UNREPRESENTABLE')
            expect(codeOf(() => quoteDotenvValue('SECRET', v))).toBe(code) // the value, not the file
            expect(isHard(v)).toBe(true)
            if (mixed) refusedMixed++
            else refusedOther++
            return
          }
          for (const c of HARD) if (v.includes(c)) seen.set(c, seen.get(c)! + 1)
          const after = dotenv.parse(out)
          expect(after).toEqual({ ...before, SECRET: v })
          expect(toRecord(parseDotenv(out))).toEqual(after)
          const old = parseDotenv(src)
            .filter((e) => e.key === 'SECRET')
            .at(-1)
          if (old) {
            expect(out.startsWith(src.slice(0, old.start))).toBe(true)
            expect(out.endsWith(src.slice(old.end))).toBe(true)
          } else {
            expect(out.startsWith(src)).toBe(true)
          }
          if (placement.includes('export')) expect(out).toContain(`export SECRET='older'${eol}`)
          if (placement.includes('keep me')) expect(out).toMatch(/SECRET ?=.*# keep me/s)
          expect(commentLines(out)).toEqual(expect.arrayContaining(commentLines(src)))
        },
      ),
      { numRuns: 3000 },
    )
    // not vacuous: every hard character made it through many times
    for (const [c, n] of seen) expect(n, JSON.stringify(c)).toBeGreaterThan(30)
    expect(refusedOther / runs).toBeLessThan(0.005)
    expect((refusedMixed + refusedOther) / runs).toBeLessThan(0.1)
  })

  it('keeps every key it wrote before when the file is built by successive upserts', () => {
    const key = fc.constantFrom('A', 'B', 'C.d', 'e-f', 'SECRET')
    const step = fc.tuple(
      key,
      values,
      fc.option(fc.string({ maxLength: 12 }).map((c) => c.replace(/[\r\n]/g, ''))),
    )
    fc.assert(
      fc.property(fc.array(step, { maxLength: 8 }), (steps) => {
        let text = ''
        const want: Record<string, string> = {}
        for (const [k, { v }, comment] of steps) {
          const code = codeOf(() => {
            text = upsertDotenv(text, k, v)
            want[k] = v
          })
          if (code !== undefined) expect([code, isHard(v)]).toEqual(['HUSH_E_DOTENV_UNREPRESENTABLE', true])
          if (comment !== null) text += `# ${comment}\n`
          expect(dotenv.parse(text)).toEqual(want)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('round-trips or refuses every value of up to 4 characters from the hard alphabet', () => {
    const alphabet = ["'", '"', '`', '\\', '#', '\n', '\r', ' ', 'n', 'a', '\u2028']
    const all = ['']
    for (const s of all) if (s.length < 4) all.push(...alphabet.map((c) => s + c))
    for (const v of all) {
      const src = '# top\nA=\'x\' # y\nSECRET=old\nB="q\\""\n'
      let out = ''
      if (codeOf(() => (out = upsertDotenv(src, 'SECRET', v))) === undefined) {
        expect(dotenv.parse(out), JSON.stringify(v)).toEqual({ A: 'x', SECRET: v, B: 'q\\"' })
      } else expect(isHard(v), JSON.stringify(v)).toBe(true)
    }
  })

  it('replaces the last assignment in place, keeping export, separator, inline comment and CRLFs', () => {
    const src = '# c\r\nA=1\r\nexport A = old   # why\r\n\r\nB=2'
    expect(upsertDotenv(src, 'A', 'new')).toBe('# c\r\nA=1\r\nexport A = new   # why\r\n\r\nB=2')
    expect(upsertDotenv(src, 'A', 'two\nlines')).toBe(
      "# c\r\nA=1\r\nexport A = 'two\r\nlines'   # why\r\n\r\nB=2",
    )
    expect(upsertDotenv('K: "x" #c\n', 'K', 'y')).toBe('K: y #c\n')
    expect(upsertDotenv('K: \nL=1\n', 'K', 'y')).toBe('K: y \nL=1\n')
    // dotenv reads the next line as the value of a bare `K:`, so that line is what gets replaced
    expect(dotenv.parse('K:\nL=1\n')).toEqual({ K: 'L=1' })
    expect(upsertDotenv('K:\nL=1\n', 'K', 'y')).toBe('K:\ny\n')
  })

  it('appends a missing key after everything else, with the line ending the file uses', () => {
    expect(upsertDotenv('', 'K', 'v')).toBe('K=v\n')
    expect(upsertDotenv('# only a comment', 'K', 'two words')).toBe("# only a comment\nK='two words'\n")
    expect(upsertDotenv('A=1\r\n', 'K', 'v')).toBe('A=1\r\nK=v\r\n')
  })

  it('quotes differently when a quote left open above would swallow the new line', () => {
    const out = upsertDotenv("OPEN='abc\n", 'K', '#x')
    expect(out).toBe(`OPEN='abc\nK="#x"\n`)
    expect(dotenv.parse(out)).toEqual({ OPEN: "'abc", K: '#x' })
  })
})

describe('quoteDotenvValue', () => {
  it.each([
    ['', ''],
    ['abc-1.2_x:y@z/%+,=', 'abc-1.2_x:y@z/%+,='],
    ['two words', "'two words'"],
    ['$HOME #1', "'$HOME #1'"],
    ['pem\nbody', "'pem\nbody'"],
    ["it's", `"it's"`],
    ['a\rb', '"a\\rb"'],
    ['it\'s "x"', '`it\'s "x"`'],
    ["'quoted'", `"'quoted'"`],
    ['it\'s "a" `b` \\n', 'it\'s "a" `b` \\n'],
    ['C:\\dir\\', 'C:\\dir\\'],
  ])('writes %j as %j', (value, rhs) => {
    expect(quoteDotenvValue('K', value)).toBe(rhs)
    expect(dotenv.parse(`K=${rhs}\nZ='z'\n`)).toEqual({ K: value, Z: 'z' })
  })

  it('refuses what no quoting reads back, naming the key and never the value', () => {
    for (const value of [' hunter2 secret\\', 'hunter2\r"', 'hunter2 \'a\' `b` "c" #1', 'hunter2\r\\n']) {
      let err: HushError | undefined
      try {
        quoteDotenvValue('DB_PASSWORD', value)
      } catch (e) {
        err = e as HushError
      }
      expect(err?.code).toBe('HUSH_E_DOTENV_UNREPRESENTABLE')
      expect(err?.message).toContain('DB_PASSWORD')
      expect(`${err?.message} ${err?.hint}`).not.toContain('hunter2')
      expect(err?.hint).toContain('files store')
    }
  })
})

describe('removeDotenv', () => {
  it('removes every assignment with its line terminator and keeps every other byte', () => {
    expect(removeDotenv('A=1\n# keep\n  export A="x\ny"  # c\nB=2\nA=3', 'A')).toBe('# keep\nB=2\n')
    expect(removeDotenv('X=1\r\nA=1 # c\r\n\r\nB=2\r\n', 'A')).toBe('X=1\r\n\r\nB=2\r\n')
    expect(removeDotenv('B=2\n', 'A')).toBe('B=2\n')
  })

  it('refuses when a quote left open above would then swallow a later line', () => {
    const src = "X='abc\nA='v'x\nY=q' # c\n"
    expect(codeOf(() => removeDotenv(src, 'A'))).toBe('HUSH_E_STORE_CORRUPT')
  })
})

it('refuses keys dotenv cannot read', () => {
  for (const key of ['', 'BAD KEY', 'A=B', 'A#', 'é', '__proto__']) {
    expect(codeOf(() => upsertDotenv('', key, 'x'))).toBe('HUSH_E_UNSAFE_NAME')
    expect(codeOf(() => removeDotenv('', key))).toBe('HUSH_E_UNSAFE_NAME')
  }
})

describe('parseDotenv', () => {
  const key = fc.oneof(
    fc.stringMatching(/^[\w.-]{1,6}$/),
    fc.constantFrom('export', 'A', 'a.b-c', 'bad key', '#A'),
  )
  const raw = fc.oneof(
    hardString,
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc
      .tuple(fc.constantFrom("'", '"', '`'), hardString, fc.boolean())
      .map(([q, s, close]) => q + s + (close ? q : '')),
  )
  const assignment = fc
    .tuple(
      fc.constantFrom('', '  ', 'export ', 'export\t', 'export  '),
      key,
      fc.constantFrom('=', ' = ', '= ', ' =', '=\t', ': ', ':', ' : ', ':\t'),
      raw,
      fc.constantFrom('', ' # note', '#x', '  ', " # it's"),
    )
    .map((parts) => parts.join(''))
  const line = fc.oneof(
    { weight: 4, arbitrary: assignment },
    fc.constantFrom('', '   ', 'garbage line', 'KEY'),
    hardString.map((s) => `# ${s}`),
  )
  const source = fc
    .array(fc.tuple(line, fc.constantFrom('\n', '\r\n', '\r')), { maxLength: 10 })
    .map((ls) => ls.flat().join(''))

  it('reads every source exactly as dotenv does, with offsets that delimit each assignment', () => {
    fc.assert(
      fc.property(source, (src) => {
        const entries = parseDotenv(src)
        expect(toRecord(entries)).toEqual(dotenv.parse(src))
        for (const e of entries) {
          const text = src.slice(e.start, e.end)
          expect(text.startsWith(e.key) || text.startsWith('export')).toBe(true)
          expect(text).not.toMatch(/[\r\n]$/)
          expect(dotenv.parse(`${text}\n`)[e.key]).toBe(e.value)
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('keeps the last of repeated keys, as dotenv does', () => {
    const src = 'A=1\nB=2\nA=3\n'
    expect(parseDotenv(src).map((e) => [e.key, e.value, src.slice(e.start, e.end)])).toEqual([
      ['A', '1', 'A=1'],
      ['B', '2', 'B=2'],
      ['A', '3', 'A=3'],
    ])
    expect(toRecord(parseDotenv(src))).toEqual({ A: '3', B: '2' })
  })

  it('never corrupts a file it cannot edit safely: edits of arbitrary sources are read back or refused', () => {
    fc.assert(
      fc.property(source, key, fc.option(fc.nat()), values, (src, other, pick, { v }) => {
        const before = dotenv.parse(src)
        // mostly a key the file already has, so that edits in place are tried too
        const keys = Object.keys(before)
        const k = pick !== null && keys.length > 0 ? keys[pick % keys.length]! : other
        let out = ''
        const upsert = codeOf(() => (out = upsertDotenv(src, k, v)))
        if (upsert === undefined) expect(dotenv.parse(out)).toEqual({ ...before, [k]: v })
        else expect(['HUSH_E_DOTENV_UNREPRESENTABLE', 'HUSH_E_UNSAFE_NAME']).toContain(upsert)
        const removed = codeOf(() => (out = removeDotenv(src, k)))
        if (removed === undefined) expect(dotenv.parse(out)).toEqual({ ...before, [k]: undefined })
        else expect(['HUSH_E_STORE_CORRUPT', 'HUSH_E_UNSAFE_NAME']).toContain(removed)
      }),
      { numRuns: 2000 },
    )
  })
})
