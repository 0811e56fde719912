/**
 * Text that came from outside (a file name, a path in an environment variable) shown on a
 * terminal: control characters must not reach it, or a file named `\x1b]0;…\x07` retitles the
 * window, a newline forges a report line and ESC sequences repaint the screen.
 */

// C0 (incl. TAB, LF, CR, ESC, BEL), DEL, C1 (incl. CSI U+009B), line and paragraph separators,
// and the bidirectional overrides and isolates that reorder what follows them
// (and, inside quotes, the quote and the backslash themselves)
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it escapes
const ESCAPED = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069"\\]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '"': '\\"', '\\': '\\\\' }

function escapeCode(c: string): string {
  const code = c.charCodeAt(0)
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * A path as it may be printed: unchanged when it is plain, else in double quotes with C-style
 * escapes (as git's core.quotePath does), so the output is unambiguous and holds no control byte.
 *
 * @example
 * displayPath('src/app.ts')        // src/app.ts
 * displayPath('a\x1b[2Jb\n.txt')   // "a\x1b[2Jb\n.txt"
 */
export function displayPath(path: string): string {
  const quoted = path.replace(ESCAPED, (c) => NAMED[c] ?? escapeCode(c))
  return quoted === path ? path : `"${quoted}"`
}

// JSON.stringify escapes C0 but leaves DEL, C1 and U+2028/2029 raw
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * JSON text that holds no control character, for a document printed to a terminal: the same
 * value as `JSON.stringify` (file names stay exact for tools), with what it leaves raw `\u`-escaped.
 *
 * @example
 * jsonText({ file: 'a\u009bb' }, 2)   // '{\n  "file": "a\\u009bb"\n}'
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    RAW_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
