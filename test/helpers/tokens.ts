/**
 * Credential-shaped test strings, assembled at run time so that this repository's own files hold
 * none (hush scan of the project stays clean). Deterministic: the same seed gives the same token.
 */
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const DIGITS = '0123456789'
export const ALNUM = UPPER + LOWER + DIGITS

export function chars(alphabet: string, n: number, seed = 7): string {
  let x = Math.imul(seed, 2654435761) >>> 0
  let out = ''
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    out += alphabet[(x >>> 16) % alphabet.length]
  }
  return out
}

const j = (...parts: string[]) => parts.join('')

/** One real-looking credential per built-in rule, keyed by rule id. */
export function samples(seed = 7): Record<string, string> {
  const c = (alphabet: string, n: number) => chars(alphabet, n, seed)
  const b64url = `${ALNUM}-_`
  return {
    'aws-access-key-id': j('AK', 'IA', c(`${UPPER}234567`, 16)),
    'aws-secret-access-key': j('aws_secret_', 'access_key = "', c(`${ALNUM}/+`, 40), '"'),
    'openai-api-key': j('sk-', 'proj-', c(b64url, 120)),
    'anthropic-api-key': j('sk-', 'ant-api03-', c(b64url, 95)),
    'huggingface-token': j('hf', '_', c(UPPER + LOWER, 34)),
    'github-token': j('gh', 'p_', c(ALNUM, 36)),
    'gitlab-token': j('glp', 'at-', c(b64url, 20)),
    'slack-token': j('xox', 'b-', c(DIGITS, 12), '-', c(DIGITS, 12), '-', c(ALNUM, 24)),
    'slack-webhook': j(
      'https://hooks.',
      'slack.com/services/T',
      c(UPPER + DIGITS, 8),
      '/B',
      c(UPPER + DIGITS, 8),
      '/',
      c(ALNUM, 24),
    ),
    'stripe-secret-key': j('sk', '_live_', c(ALNUM, 24)),
    'google-api-key': j('AI', 'za', c(b64url, 35)),
    'mapbox-secret-token': j('sk.', 'eyJ', c(b64url, 60), '.', c(b64url, 22)),
    'sentry-dsn': j('https://', c('0123456789abcdef', 32), '@o12345.ingest.', 'sentry.io/67890'),
    jwt: j('ey', 'JhbGciOiJIUzI1NiJ9.', 'ey', 'J', c(b64url, 40), '.', c(b64url, 43)),
    'private-key': j(
      '-----BEGIN ',
      'PRIVATE KEY-----\n',
      c(`${ALNUM}+/`, 64),
      '\n',
      c(`${ALNUM}+/`, 64),
      '\n-----END PRIVATE KEY-----',
    ),
    'age-secret-key': j('AGE-SECRET-', 'KEY-1', c('023456789ACDEFGHJKLMNPQRSTUVWXYZ', 58)),
    'url-password': j('postgres://app:', c(ALNUM, 16), '@db.internal:5432/app'),
    'generic-secret': j('DB_PASS', 'WORD=', c(ALNUM, 24)),
  }
}
