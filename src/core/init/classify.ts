/**
 * What kind of secret a name (and its example value) looks like. The rules
 * follow the names users already give their secrets (see the seeds):
 * `*_password` is generated, `*_api_key` / `*_token` is pasted by a person,
 * `*_user` is a fixed value, `*_key` / `*_secret` is a generated key.
 */
import { placeholderReason } from '../../lib/placeholder.js'
import type { InferredKind } from './types.js'

export interface Classified {
  kind: InferredKind
  generate?: string
  value?: string
  provide?: true
  note?: string
}

export interface ClassifyInput {
  name: string
  /** an example value, from .env.example or a `${VAR:-default}` */
  example?: string
  /** declared under compose `secrets:`: a secret whatever its name */
  declared: boolean
  project: string
}

export const KEY_GENERATOR = 'base64:32'
export const PASSWORD_GENERATOR = 'password:24'

/** Prefixes of real vendor credentials; a value starting like this is pasted, never generated. */
const VENDOR_VALUES = [
  /^sk-ant-/,
  /^sk-/,
  /^[sr]k_(live|test)_/,
  /^pk_(live|test)_/,
  /^whsec_/,
  /^hf_/,
  /^gh[pousr]_/,
  /^github_pat_/,
  /^glpat-/,
  /^xox[abposr]-/,
  /^pk\./,
  /^sk\./,
  /^A[KS]IA[0-9A-Z]/,
  /^AIza/,
  /^SG\./,
  /^gsk_/,
  /^r8_/,
  /^npm_/,
  /^dop_v1_/,
]

/** Services whose keys a person obtains from the vendor (`stripe_secret_key`, `aws_access_key`). */
const VENDORS = new Set(
  (
    'aws amazon gcp google gemini azure openai anthropic claude huggingface hf cohere mistral groq replicate ' +
    'together deepseek perplexity voyage elevenlabs deepgram assemblyai pinecone stripe paypal braintree ' +
    'github gitlab bitbucket slack discord telegram twilio sendgrid mailgun mailchimp postmark resend brevo ' +
    'sentry datadog newrelic cloudflare algolia firebase supabase mapbox pusher segment mixpanel shopify ' +
    'notion linear vercel netlify heroku digitalocean npm dockerhub auth0 okta clerk'
  ).split(' '),
)

/** Last words that make a name configuration about a secret, not a secret (`SESSION_COOKIE_NAME`). */
const CONFIG_LAST = new Set(
  (
    'algorithm algorithms alg length len size bits rounds iterations cost ttl timeout lifetime age minutes ' +
    'seconds hours days secs mins ms expiry expires expire expiration enabled enable disabled disable required ' +
    'secure samesite httponly domain path dir directory name names header prefix suffix level mode type ' +
    'format max min limit interval count version region host hostname port scheme issuer audience strategy ' +
    'provider backend driver location endpoint bucket id file'
  ).split(' '),
)

const KEY_WORDS = new Set([
  'secret',
  'secrets',
  'key',
  'keys',
  'session',
  'salt',
  'pepper',
  'hmac',
  'signing',
])
const PASSWORD_WORDS = new Set(['pass', 'pw', 'pwd', 'passphrase'])
const USER_WORDS = new Set(['user', 'username', 'login'])
const URL_WORDS = new Set(['url', 'uri'])
/** `scheme://user:password@host` (the user may be empty: `redis://:pw@redis`). */
const URL_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i

const provided = (note?: string): Classified => ({
  kind: 'provided',
  provide: true,
  ...(note ? { note } : {}),
})
const key = (kind: InferredKind = 'key'): Classified => ({ kind, generate: KEY_GENERATOR })

/** The kind of one (non-keyring) secret; undefined when an undeclared key is not a secret at all. */
export function classify({ name, example, declared, project }: ClassifyInput): Classified | undefined {
  const words = name.split('_').filter(Boolean)
  const last = words.at(-1) ?? ''
  const value = example?.trim() ?? ''
  const vendorAccessKey = /(^|_)(secret_)?access_key(_id)?$/.test(name) && VENDORS.has(words[0] ?? '')
  if (!declared && !vendorAccessKey && (CONFIG_LAST.has(last) || words.some((w) => w.startsWith('expir'))))
    return undefined
  if (VENDOR_VALUES.some((re) => re.test(value))) return provided()
  if (last === 'dsn') return provided()
  if (URL_WORDS.has(last) || name.endsWith('connection_string')) {
    if (URL_WITH_CREDENTIALS.test(value) || (declared && !value))
      return provided(
        `a URL with credentials: consider derive: "${scheme(value)}://{{user}}:{{password}}@host/db" over a user and a password secret`,
      )
    return declared ? provided() : undefined
  }
  if (USER_WORDS.has(last)) {
    if (value && !placeholderReason(value, true)) return { kind: 'user', value }
    return { kind: 'user', value: `${project}_user`, note: 'guessed: check the user name' }
  }
  if (name.includes('password') || name.includes('passwd') || words.some((w) => PASSWORD_WORDS.has(w)))
    return { kind: 'password', generate: PASSWORD_GENERATOR }
  if (isVendorCredential(name, words, last) || vendorAccessKey) return provided()
  if (words.some((w) => KEY_WORDS.has(w))) return key()
  return declared ? key('other') : undefined
}

function isVendorCredential(name: string, words: string[], last: string): boolean {
  if (last === 'token' || last === 'apikey' || name === 'api_key') return true
  if (/(^|_)api_(key|secret|token)$/.test(name) || name.endsWith('client_secret')) return true
  return VENDORS.has(words[0] ?? '') && words.length > 1 && ['key', 'secret', 'token', 'keys'].includes(last)
}

function scheme(value: string): string {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1] ?? 'postgresql'
}
