/** Values that stand in for a real secret: CHANGEME, your_token_here, TODO, well-known defaults. */

/** Markers that mean "replace me" wherever they stand as a word (`hf_your_token_here`, `sk-local-example`). */
const MARKERS: readonly [label: string, marker: RegExp][] = [
  ['CHANGEME', /change[_-]?me\w*/],
  ['changeit', /changeit/],
  ['your_..._here', /your[_-][a-z0-9_-]*here/],
  ['replace me', /replace[_-]?me/],
  ['placeholder', /placeholder/],
  ['example', /example/],
  ['TODO', /todo/],
  ['FIXME', /fixme/],
  ['xxx', /x{3,}/],
  ['dummy', /dummy/],
]

/** Defaults that ship in images and tutorials; a whole value equal to one is a placeholder. */
const WELL_KNOWN = new Set([
  'admin',
  'admin123',
  'admin1234',
  'admin12345',
  'administrator',
  'password',
  'password1',
  'password123',
  'passw0rd',
  'secret',
  'changeme',
  'changeit',
  'letmein',
  'root',
  'toor',
  'test',
  'test123',
  'default',
  'guest',
  'qwerty',
  '123456',
  '12345678',
  'minioadmin',
  'postgres',
  'redis',
])

/** Why `value` looks like a placeholder, or undefined. `fixed` values skip the defaults list (a user name may be "admin"). */
export function placeholderReason(value: string, fixed = false): string | undefined {
  const text = value.trim()
  if (/^#/.test(text) && !text.includes('\n')) return 'holds only a comment'
  const lower = text.toLowerCase()
  if (!fixed && WELL_KNOWN.has(lower)) return 'is a well-known default'
  if (/^<[^<>]+>$/.test(text)) return 'is a <placeholder>'
  // a marker counts only as a whole word, so random base64 that happens to contain "todo" is not flagged
  const words = lower.split(/[^a-z0-9_-]+/)
  for (const word of words)
    for (const [label, marker] of MARKERS) {
      const m = marker.exec(word)
      if (!m) continue
      const before = word[m.index - 1]
      const after = word[m.index + m[0].length]
      const bounded = (c: string | undefined) => c === undefined || c === '_' || c === '-'
      if (bounded(before) && bounded(after)) return `contains the placeholder marker ${label}`
    }
  return undefined
}
