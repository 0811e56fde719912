/** The only code that writes to the terminal: text, tables, JSON, errors, colours. */
import { jsonText } from '../../lib/display.js'
import type { HushError } from '../../lib/errors.js'

export interface GlobalOptions {
  dir?: string
  env?: string
  json?: boolean
  quiet?: boolean
  color?: boolean
  yes?: boolean
  allowOutsideProject?: boolean
  adopt?: boolean
}

export interface Streams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean }
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean }
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => void }
}

type Paint = (text: string) => string

export class Output {
  readonly paint: Record<'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan', Paint>

  constructor(
    readonly streams: Streams,
    readonly options: GlobalOptions,
    env: Readonly<Record<string, string | undefined>>,
  ) {
    // decided on first use: looking at stdout creates the stream, which `hush run` never needs
    let enabled: boolean | undefined
    const colour = () => {
      enabled ??= options.color !== false && !env.NO_COLOR && streams.stdout.isTTY === true && !options.json
      return enabled
    }
    const sgr =
      (open: number, close: number): Paint =>
      (t) =>
        colour() ? `\x1b[${open}m${t}\x1b[${close}m` : t
    this.paint = {
      bold: sgr(1, 22),
      dim: sgr(2, 22),
      red: sgr(31, 39),
      green: sgr(32, 39),
      yellow: sgr(33, 39),
      cyan: sgr(36, 39),
    }
  }

  get json(): boolean {
    return this.options.json === true
  }

  /** A line of human output (suppressed by --json and -q). */
  line(text = ''): void {
    if (!this.json && !this.options.quiet) this.streams.stdout.write(`${text}\n`)
  }

  /** Human output that -q keeps (the result itself, not commentary). */
  result(text: string): void {
    if (!this.json) this.streams.stdout.write(`${text}\n`)
  }

  /** The one JSON document of --json. */
  document(doc: unknown): void {
    if (this.json) this.streams.stdout.write(`${jsonText(doc, 2)}\n`)
  }

  warn(text: string): void {
    if (!this.options.quiet) this.streams.stderr.write(`${this.paint.yellow('warning')}: ${text}\n`)
  }

  error(err: HushError): void {
    const lines = [`${this.paint.red('error')} [${err.code}]: ${err.message}`]
    if (err.items.length > 0) lines.push(err.details())
    if (err.hint) lines.push(`${this.paint.dim('hint')}: ${err.hint}`)
    this.streams.stderr.write(`${lines.join('\n')}\n`)
    if (this.json)
      this.document({ error: { code: err.code, message: err.message, hint: err.hint, items: err.items } })
  }

  table(headers: readonly string[], rows: readonly (readonly string[])[]): void {
    if (this.json || this.options.quiet) return
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips our own SGR colour codes
    const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))))
    const fmt = (cells: readonly string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c))))
        .join('  ')
        .trimEnd()
    this.streams.stdout.write(`${[this.paint.bold(fmt(headers)), ...rows.map(fmt)].join('\n')}\n`)
  }
}
