import { createHash, timingSafeEqual } from 'node:crypto'
import { inspect } from 'node:util'

/**
 * A secret value that does not show itself by accident: `String()`, template
 * literals, `JSON.stringify`, `util.inspect` and `console.log` all print
 * `[secret name]`. Ask for the value explicitly with {@link Secret.reveal} or
 * {@link Secret.bytes}.
 *
 * @example
 * const dbUrl = secrets.get('database_url')
 * console.log(`connecting with ${dbUrl}`)   // connecting with [secret database_url]
 * const pool = new Pool({ connectionString: dbUrl.reveal() })
 */
export class Secret {
  readonly #value: string
  /** The secret's name (safe to log). */
  readonly name: string
  /** Where the value came from, e.g. `env POSTGRES_PASSWORD_FILE` (safe to log). */
  readonly source: string

  constructor(name: string, value: string, source = 'given') {
    this.name = name
    this.source = source
    this.#value = value
  }

  /** The value as a string. */
  reveal(): string {
    return this.#value
  }

  /** The value as UTF-8 bytes, e.g. for an HMAC key. */
  bytes(): Buffer {
    return Buffer.from(this.#value, 'utf8')
  }

  /**
   * Compare with another value in constant time (no early exit, no length leak).
   *
   * @example
   * if (!apiKey.equals(request.headers['x-api-key'] ?? '')) return reply.code(401).send()
   */
  equals(other: Secret | string | Uint8Array): boolean {
    const theirs = other instanceof Secret ? other.bytes() : Buffer.from(other as string)
    // hash both sides so that the comparison has one fixed length
    const a = createHash('sha256').update(this.bytes()).digest()
    const b = createHash('sha256').update(theirs).digest()
    return timingSafeEqual(a, b) && this.bytes().length === theirs.length
  }

  toString(): string {
    return `[secret ${this.name}]`
  }

  toJSON(): string {
    return this.toString()
  }

  [Symbol.toPrimitive](): string {
    return this.toString()
  }

  [inspect.custom](): string {
    return this.toString()
  }
}
