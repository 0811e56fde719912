/** A deliberately simple .env.example reader: keys and example values, nothing is expanded. */

export interface ExampleEntry {
  key: string
  value: string
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/

/** `KEY=value` lines; comments, blank lines and anything else are skipped; quotes are stripped. */
export function parseDotenvExample(text: string): ExampleEntry[] {
  const entries: ExampleEntry[] = []
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(line)) continue
    const m = LINE.exec(line)
    if (m) entries.push({ key: m[1]!, value: unquote(m[2]!) })
  }
  return entries
}

function unquote(raw: string): string {
  const text = raw.trim()
  const quote = text[0]
  if (quote === '"' || quote === "'") {
    const end = text.indexOf(quote, 1)
    return end > 0 ? text.slice(1, end) : text.slice(1)
  }
  // an unquoted value ends at an inline comment (`KEY=value # note`)
  return text.replace(/\s+#.*$/, '')
}
