import { describe, expect, it } from 'vitest'
import { displayPath, jsonText } from '../../src/lib/display.js'

describe('displayPath', () => {
  it('leaves a plain path alone, spaces and non-ASCII letters included', () => {
    for (const p of ['src/app.ts', '/tmp/a b/c.env', 'docs/résumé.md', '日本/鍵.txt'])
      expect(displayPath(p)).toBe(p)
  })

  it('quotes and escapes C0, DEL, C1, line separators and bidi overrides, and nothing raw remains', () => {
    expect(displayPath('a\x1b[2Jb')).toBe('"a\\x1b[2Jb"')
    expect(displayPath('bell\x07\nnew\rline\ttab')).toBe('"bell\\x07\\nnew\\rline\\ttab"')
    expect(displayPath('del\x7f c1\x9b csi\x85')).toBe('"del\\x7f c1\\x9b csi\\x85"')
    expect(displayPath('nul\0')).toBe('"nul\\x00"')
    expect(displayPath('ls\u2028ps\u2029rlo\u202egnp.exe')).toBe('"ls\\u2028ps\\u2029rlo\\u202egnp.exe"')
    const every = Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i)).join('')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserts that none is left
    expect(displayPath(every)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
  })

  it('is unambiguous: a name that looks escaped is quoted too', () => {
    expect(displayPath('a\\x1bb')).toBe('"a\\\\x1bb"')
    expect(displayPath('"quoted"')).toBe('"\\"quoted\\""')
    expect(displayPath('a\\x1bb')).not.toBe(displayPath('a\x1bb'))
  })
})

describe('jsonText', () => {
  it('is JSON of the same value with no raw control character', () => {
    const value = { file: 'a\x1b\x07\n\x7f\x9b\u2028b', n: 1 }
    const text = jsonText(value, 2)
    expect(JSON.parse(text)).toEqual(value)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserts that none is left
    expect(text.replaceAll('\n', '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028]/)
    expect(text).toContain('\\u007f\\u009b\\u2028')
  })
})
