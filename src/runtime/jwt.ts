/**
 * `hush/jwt`: a JWT key ring over the files seed 000 rotates by hand —
 * `<name>_primary` signs, `<name>_previous` still verifies during the grace
 * window. Keys are selected by `kid` (a short hash of the key), never by
 * trying every key. HS256 by default; EdDSA when the secret is an ed25519 key.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { decodeProtectedHeader, type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import { HushError, type HushErrorCode } from '../lib/errors.js'
import { type LoadOptions, loadSecretsSync } from './load.js'

export type Algorithm = 'HS256' | 'EdDSA'

interface RingKey {
  readonly kid: string
  readonly previous: boolean
  readonly alg: Algorithm
  readonly signKey: Uint8Array | KeyObject
  readonly verifyKey: Uint8Array | KeyObject
}

export interface SignOptions {
  /** `15m`, `1h`, `7d`, or seconds */
  readonly expiresIn?: string | number
  readonly audience?: string | string[]
  readonly issuer?: string
  readonly subject?: string
}

export interface VerifyOptions {
  readonly audience?: string | string[]
  readonly issuer?: string
  /** seconds of clock skew to accept */
  readonly clockTolerance?: number
}

export interface Verified {
  readonly payload: JWTPayload
  readonly kid: string
  /** true when the token was signed with the previous key (still accepted during the grace window) */
  readonly previous: boolean
}

export type KeyRingOptions = Omit<LoadOptions, 'required' | 'optional'> & {
  /** count verifications in prom-client's default registry when prom-client is installed (default true) */
  readonly metrics?: boolean
}

type Reason = 'unknown_kid' | 'bad_signature' | 'expired' | 'invalid'
interface Metrics {
  verified(kid: string, previous: boolean): void
  failed(reason: Reason): void
}

const noMetrics: Metrics = { verified() {}, failed() {} }

async function promMetrics(): Promise<Metrics> {
  try {
    const prom = (await import('prom-client')) as typeof import('prom-client')
    const counter = (name: string, help: string, labelNames: string[]) =>
      (prom.register.getSingleMetric(name) as InstanceType<typeof prom.Counter> | undefined) ??
      new prom.Counter({ name, help, labelNames })
    const ok = counter('hush_jwt_verifications_total', 'JWTs verified, by key id', ['kid'])
    const prev = counter('hush_jwt_previous_key_verifications_total', 'JWTs verified with the previous key', [
      'kid',
    ])
    const failed = counter('hush_jwt_verification_failures_total', 'JWTs rejected, by reason', ['reason'])
    return {
      verified(kid, previous) {
        ok.inc({ kid })
        if (previous) prev.inc({ kid })
      },
      failed(reason) {
        failed.inc({ reason })
      },
    }
  } catch {
    return noMetrics // prom-client is optional
  }
}

function kidOf(material: Uint8Array): string {
  return createHash('sha256').update('hush-kid\0').update(material).digest('base64url').slice(0, 16)
}

function keyFrom(value: string, previous: boolean): RingKey {
  if (value.startsWith('-----BEGIN')) {
    const privateKey = createPrivateKey(value)
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new HushError('HUSH_E_SECRETS', `a key ring key is a ${privateKey.asymmetricKeyType} key`, {
        hint: 'use a random secret (generate: base64:32) for HS256 or an ed25519 key (generate: ed25519) for EdDSA',
      })
    const publicKey = createPublicKey(privateKey)
    const der = publicKey.export({ type: 'spki', format: 'der' })
    return { kid: kidOf(der), previous, alg: 'EdDSA', signKey: privateKey, verifyKey: publicKey }
  }
  const bytes = new TextEncoder().encode(value)
  return { kid: kidOf(bytes), previous, alg: 'HS256', signKey: bytes, verifyKey: bytes }
}

/** A ring's primary (or the legacy `<name>` alone) and previous value, through the resolution chain. */
function ringValues(name: string, options: Omit<LoadOptions, 'required' | 'optional'>, what: string) {
  const s = loadSecretsSync({ ...options, optional: [`${name}_primary`, `${name}_previous`, name] })
  const primary = s.has(`${name}_primary`) ? s.get(`${name}_primary`) : s.has(name) ? s.get(name) : undefined
  if (!primary)
    throw new HushError('HUSH_E_SECRETS', `${what} ${name} has no key`, {
      hint: `provide ${name}_primary (and ${name}_previous) as files in /run/secrets or via ${name.toUpperCase()}_PRIMARY_FILE, or run \`hush gen\``,
    })
  const previous = s.has(`${name}_previous`) ? s.get(`${name}_previous`) : undefined
  return { primary: primary.reveal(), previous: previous?.reveal() }
}

function jwtError(code: HushErrorCode, message: string, hint: string): HushError {
  return new HushError(code, message, { hint })
}

/**
 * @example
 * import { KeyRing } from 'hushkit/jwt'
 * const ring = await KeyRing.load('jwt_secret')
 * const token = await ring.sign({ sub: 'u1' }, { expiresIn: '15m' })
 * const { payload, previous } = await ring.verify(token)
 */
export class KeyRing {
  #keys: Map<string, RingKey> = new Map()
  #primary!: RingKey

  private constructor(
    readonly name: string,
    private readonly options: KeyRingOptions,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Read `<name>_primary` and `<name>_previous` (or the legacy `<name>` alone)
   * through the resolution chain of {@link loadSecrets}.
   */
  static async load(name: string, options: KeyRingOptions = {}): Promise<KeyRing> {
    const metrics = options.metrics === false ? noMetrics : await promMetrics()
    const ring = new KeyRing(name, options, metrics)
    ring.reload()
    return ring
  }

  /** Read the keys again, e.g. after `hush rotate` wrote new files. */
  reload(): void {
    const { metrics: _, ...loadOptions } = this.options
    const values = ringValues(this.name, loadOptions, 'key ring')
    const keys = new Map<string, RingKey>()
    if (values.previous !== undefined) {
      const previous = keyFrom(values.previous, true)
      keys.set(previous.kid, previous)
    }
    this.#primary = keyFrom(values.primary, false)
    keys.set(this.#primary.kid, this.#primary) // primary wins when previous holds the same key
    this.#keys = keys
  }

  /** The kid new tokens carry. */
  get primaryKid(): string {
    return this.#primary.kid
  }

  /** Every kid this ring accepts. */
  get kids(): string[] {
    return [...this.#keys.keys()]
  }

  /** Sign with the primary key; the header carries its `kid`. */
  async sign(payload: JWTPayload, options: SignOptions = {}): Promise<string> {
    const key = this.#primary
    let jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuedAt()
    if (options.expiresIn !== undefined)
      jwt = jwt.setExpirationTime(
        typeof options.expiresIn === 'number' ? `${options.expiresIn}s` : options.expiresIn,
      )
    if (options.audience) jwt = jwt.setAudience(options.audience)
    if (options.issuer) jwt = jwt.setIssuer(options.issuer)
    if (options.subject) jwt = jwt.setSubject(options.subject)
    return jwt.sign(key.signKey)
  }

  /** Verify with the key its `kid` names; tokens of unknown keys are rejected without trying others. */
  async verify(token: string, options: VerifyOptions = {}): Promise<Verified> {
    let kid: string | undefined
    try {
      kid = decodeProtectedHeader(token).kid
    } catch {
      this.metrics.failed('invalid')
      throw jwtError(
        'HUSH_E_JWT_INVALID',
        'the token is not a JWS',
        'pass the compact token (three dot-separated parts)',
      )
    }
    const key = kid === undefined ? undefined : this.#keys.get(kid)
    if (!key) {
      this.metrics.failed('unknown_kid')
      throw jwtError(
        'HUSH_E_JWT_UNKNOWN_KID',
        `the token's key id ${kid === undefined ? '(none)' : JSON.stringify(kid.slice(0, 32))} is not in key ring ${this.name}`,
        'it was signed with a retired or foreign key; the client must sign in again',
      )
    }
    try {
      const { payload } = await jwtVerify(token, key.verifyKey, { algorithms: [key.alg], ...options })
      this.metrics.verified(key.kid, key.previous)
      return { payload, kid: key.kid, previous: key.previous }
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) {
        this.metrics.failed('expired')
        throw jwtError(
          'HUSH_E_JWT_EXPIRED',
          'the token has expired',
          'the client must refresh or sign in again',
        )
      }
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
        this.metrics.failed('bad_signature')
        throw jwtError(
          'HUSH_E_JWT_SIGNATURE',
          `the token's signature does not verify with key ${key.kid}`,
          'the token was altered',
        )
      }
      this.metrics.failed('invalid')
      throw jwtError(
        'HUSH_E_JWT_INVALID',
        `the token was refused: ${(err as { code?: string }).code ?? 'invalid'}`,
        'check its claims (aud, iss, nbf)',
      )
    }
  }
}

/**
 * `[primary, previous]` of a key ring, for express-session style secret arrays
 * (the first signs, all verify). The previous one is left out when it equals the primary.
 *
 * @example
 * app.use(session({ secret: sessionSecrets('session_secret') }))
 */
export function sessionSecrets(
  name: string,
  options: Omit<LoadOptions, 'required' | 'optional'> = {},
): string[] {
  const { primary, previous } = ringValues(name, options, 'session secret')
  return previous === undefined || previous === primary ? [primary] : [primary, previous]
}
