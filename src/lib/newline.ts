/** Strip exactly one trailing `\n` or `\r\n`: files made with `echo` keep working. */
export function stripOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2)
  if (text.endsWith('\n')) return text.slice(0, -1)
  return text
}
