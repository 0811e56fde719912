/**
 * Ed25519 signing keys for sealed bundles (node:crypto). The private key is a
 * PKCS#8 PEM file kept beside the age identity (`keys.txt` → `keys.signing.pem`,
 * 0600); the public key is one line, `hush-ed25519:<base64url>`, listed under
 * `seal.signers` in hush.yaml.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { homeKeyFile } from './age.js'
import { HushError, ioError } from './errors.js'

export const SIGNER_PREFIX = 'hush-ed25519:'
export const SIGNER = /^hush-ed25519:[A-Za-z0-9_-]{43}$/
const PEM = /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/

export interface SigningKey {
  readonly privateKey: KeyObject
  /** `hush-ed25519:…`, what seal.signers lists */
  readonly signer: string
  /** where it was found (a file, or the HUSH_SIGNING_KEY variable) */
  readonly from: string
}

function signerOf(key: KeyObject): string {
  return `${SIGNER_PREFIX}${createPublicKey(key).export({ format: 'jwk' }).x}`
}

/** A new signing key in its file format (a commented PKCS#8 PEM) and its public `hush-ed25519:…`. */
export function generateSigningKey(now: Date): { file: string; signer: string } {
  const { privateKey } = generateKeyPairSync('ed25519')
  const signer = signerOf(privateKey)
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  return {
    signer,
    file: `# created: ${now.toISOString()}\n# hush signing key (Ed25519): list the public key under seal.signers in hush.yaml\n# public key: ${signer}\n${pem}`,
  }
}

/** The signing key in a key file's text; a file that holds none is an error naming where it came from. */
export function parseSigningKey(text: string, from: string): SigningKey {
  const pem = PEM.exec(text)?.[0]
  let privateKey: KeyObject | undefined
  try {
    privateKey = pem ? createPrivateKey(pem) : undefined
  } catch {
    privateKey = undefined
  }
  if (privateKey?.asymmetricKeyType !== 'ed25519')
    throw new HushError('HUSH_E_INPUT', `${from} does not hold an Ed25519 signing key`, {
      hint: 'hush keygen --signing writes one beside your age identity',
    })
  return { privateKey, signer: signerOf(privateKey), from }
}

/** `keys.txt` → `keys.signing.pem`: the signing key that belongs to an age identity file. */
export function signingKeyFileFor(identityFile: string): string {
  const name = basename(identityFile)
  const stem = extname(name) ? name.slice(0, -extname(name).length) : name
  return join(dirname(identityFile), `${stem}.signing.pem`)
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw ioError('read', path, err)
  }
}

/**
 * Your signing key: HUSH_SIGNING_KEY (the key itself), HUSH_SIGNING_KEY_FILE, else the key beside
 * HUSH_AGE_KEY_FILE, else beside ~/.config/hush/keys.txt. Undefined when there is none.
 */
export function findSigningKey(env: Readonly<Record<string, string | undefined>>): SigningKey | undefined {
  if (env.HUSH_SIGNING_KEY) return parseSigningKey(env.HUSH_SIGNING_KEY, 'HUSH_SIGNING_KEY')
  if (env.HUSH_SIGNING_KEY_FILE)
    return parseSigningKey(readKeyFile(env.HUSH_SIGNING_KEY_FILE), env.HUSH_SIGNING_KEY_FILE)
  const beside = [env.HUSH_AGE_KEY_FILE, homeKeyFile(env)].flatMap((f) => (f ? [signingKeyFileFor(f)] : []))
  const file = beside.find((f) => existsSync(f))
  return file ? parseSigningKey(readKeyFile(file), file) : undefined
}

/** A detached Ed25519 signature of `data`, base64url. */
export function signBytes(key: SigningKey, data: Uint8Array): string {
  return sign(null, data, key.privateKey).toString('base64url')
}

/** Whether `signature` is `signer`'s signature of `data`; a malformed signer or signature is false. */
export function verifyBytes(signer: string, data: Uint8Array, signature: string): boolean {
  if (!SIGNER.test(signer) || !/^[A-Za-z0-9_-]{86}$/.test(signature)) return false
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: signer.slice(SIGNER_PREFIX.length) },
      format: 'jwk',
    })
    return verify(null, data, key, Buffer.from(signature, 'base64url'))
  } catch {
    return false
  }
}
