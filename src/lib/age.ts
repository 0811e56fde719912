/**
 * age encryption for sealed bundles, through the `age-encryption` package (the
 * reference TypeScript implementation): X25519 recipients and scrypt
 * passphrases, ASCII armor, and identities found where hush and age users keep them.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { HushError } from './errors.js'

type AgeModule = typeof import('age-encryption')
const age = (): Promise<AgeModule> => import('age-encryption')

const ARMOR_HEADER = '-----BEGIN AGE ENCRYPTED FILE-----'
const RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/
const IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/

/** A new X25519 identity and its recipient, in age-keygen's file format. */
export async function generateKey(now: Date): Promise<{ identity: string; recipient: string; file: string }> {
  const { generateX25519Identity, identityToRecipient } = await age()
  const identity = await generateX25519Identity()
  const recipient = await identityToRecipient(identity)
  return {
    identity,
    recipient,
    file: `# created: ${now.toISOString()}\n# public key: ${recipient}\n${identity}\n`,
  }
}

export function assertRecipient(r: string, where: string): string {
  if (!RECIPIENT.test(r))
    throw new HushError(
      'HUSH_E_INPUT',
      `${where}: "${r.slice(0, 12)}…" is not an age X25519 recipient (age1…)`,
      {
        hint: 'hush keygen (or age-keygen) prints the public key to share',
      },
    )
  return r
}

/** Recipients from a file: one per line, # comments and blank lines ignored (age's -R format). */
export function readRecipientsFile(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((r) => assertRecipient(r, path))
}

/** Identities: `-i` files, HUSH_AGE_KEY, HUSH_AGE_KEY_FILE, then ~/.config/hush/keys.txt. */
export function findIdentities(
  env: Readonly<Record<string, string | undefined>>,
  files: readonly string[] = [],
): string[] {
  const fromText = (text: string) =>
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => IDENTITY.test(l))
  const out: string[] = []
  for (const f of files) out.push(...fromText(readFileSync(f, 'utf8')))
  if (env.HUSH_AGE_KEY) out.push(...fromText(env.HUSH_AGE_KEY))
  if (env.HUSH_AGE_KEY_FILE) out.push(...fromText(readFileSync(env.HUSH_AGE_KEY_FILE, 'utf8')))
  const home = homeKeyFile(env)
  if (out.length === 0 && home && existsSync(home)) out.push(...fromText(readFileSync(home, 'utf8')))
  return out
}

/** `~/.config/hush/keys.txt`, where hush keygen keeps your identity; undefined without HOME. */
export function homeKeyFile(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return env.HOME ? join(env.HOME, '.config', 'hush', 'keys.txt') : undefined
}

export function defaultKeyFile(env: Readonly<Record<string, string | undefined>>): string {
  const file = homeKeyFile(env)
  if (!file)
    throw new HushError('HUSH_E_USAGE', 'HOME is not set', { hint: 'give the key file with -o FILE' })
  return file
}

export interface EncryptOptions {
  readonly recipients: readonly string[]
  readonly passphrase?: string
  readonly armor?: boolean
  readonly compress?: boolean
}

export async function encrypt(plaintext: string, options: EncryptOptions): Promise<Uint8Array> {
  const { Encrypter, armor } = await age()
  const e = new Encrypter()
  if (options.passphrase !== undefined) e.setPassphrase(options.passphrase)
  for (const r of options.recipients) e.addRecipient(r)
  const data = options.compress ? gzipSync(Buffer.from(plaintext, 'utf8')) : Buffer.from(plaintext, 'utf8')
  const sealed = await e.encrypt(data)
  return options.armor ? Buffer.from(armor.encode(sealed), 'utf8') : sealed
}

export interface DecryptOptions {
  readonly identities: readonly string[]
  readonly passphrase?: () => Promise<string>
}

/** The plaintext of an age file (armored or binary, gzip inside or not); every failure is HUSH_E_SEAL. */
export async function decrypt(file: Uint8Array, where: string, options: DecryptOptions): Promise<string> {
  const { Decrypter, armor } = await age()
  let bytes: Uint8Array = file
  const text = Buffer.from(file.subarray(0, 64)).toString('latin1')
  try {
    if (text.trimStart().startsWith(ARMOR_HEADER)) bytes = armor.decode(Buffer.from(file).toString('utf8'))
  } catch {
    throw damaged(where)
  }
  if (!Buffer.from(bytes.subarray(0, 22)).toString('latin1').startsWith('age-encryption.org/v1'))
    throw new HushError('HUSH_E_SEAL', `${where} is not an age-encrypted file`, {
      hint: 'hush unseal reads files written by hush seal or by age',
    })
  const header = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 4096))).toString('latin1')
  const d = new Decrypter()
  for (const id of options.identities) d.addIdentity(id)
  if (header.includes('\n-> scrypt ')) {
    if (!options.passphrase)
      throw new HushError('HUSH_E_SEAL', `${where} is sealed with a passphrase`, {
        hint: 'give it with --passphrase (a hidden prompt) or HUSH_PASSPHRASE',
      })
    d.addPassphrase(await options.passphrase())
  } else if (options.identities.length === 0)
    throw new HushError('HUSH_E_SEAL', `no age identity to open ${where}`, {
      hint: 'set HUSH_AGE_KEY_FILE or HUSH_AGE_KEY, pass -i FILE, or keep keys in ~/.config/hush/keys.txt (hush keygen)',
    })
  let plain: Uint8Array
  try {
    plain = await d.decrypt(bytes)
  } catch (err) {
    const message = String((err as Error)?.message ?? err)
    if (/no identity matched|incorrect passphrase|scrypt/i.test(message))
      throw new HushError('HUSH_E_SEAL', `none of your age identities can open ${where}`, {
        hint: 'it was sealed for other recipients (or another passphrase); ask a recipient to run hush seal --update-recipients with your public key',
      })
    throw damaged(where)
  }
  const buf = Buffer.from(plain)
  try {
    return (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8')
  } catch {
    throw damaged(where)
  }
}

function damaged(where: string): HushError {
  return new HushError('HUSH_E_SEAL', `${where} is damaged or was changed after it was sealed`, {
    hint: 'nothing was written; restore the file from git or a backup',
  })
}
