/** Writing YAML by hand, safely: scalars that cannot be misread and comments that cannot break out. */

const PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]*$/
const RESERVED = /^(true|false|null|yes|no|on|off|y|n)$/i

/** `docker/secrets` stays plain; anything YAML could read as another type or syntax is JSON-quoted (valid YAML). */
export function scalar(text: string): string {
  return PLAIN.test(text) && !RESERVED.test(text) ? text : JSON.stringify(text)
}

/** Comment lines of at most `width` characters; control characters and line breaks become spaces. */
export function comment(text: string, indent = '', width = 100): string[] {
  const clean = text.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').trim()
  const lines: string[] = []
  let line = ''
  for (const word of clean.split(/ +/)) {
    if (line && indent.length + 2 + line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines.map((l) => `${indent}# ${l}`)
}
