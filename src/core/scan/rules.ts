/**
 * hush's own rule set. Each rule names keywords (found by the automaton,
 * case-insensitively) and a regex that runs only in a window around a keyword
 * hit; group 1 is the secret. Regexes are written for linear time: a literal
 * prefix, then bounded character classes, no nested quantifiers over one class;
 * a token starts after a non-token character ((?<![A-Za-z0-9_-])), so a run
 * such as `eyJ-eyJ-eyJ-…` is tried once, not at every keyword inside it.
 */
import { placeholderReason } from '../../lib/placeholder.js'

export interface RuleSpec {
  readonly id: string
  readonly description: string
  /** lower-case literals; a hit opens a window for the regex */
  readonly keywords: readonly string[]
  /** source of the regex (flags d g m, plus i when `caseInsensitive`); the first group that matched is the secret, else the whole match */
  readonly regex: string
  readonly caseInsensitive?: boolean
  /** Shannon entropy (bits per character) the secret must reach */
  readonly entropy?: number
  /** bytes before and after a keyword hit that the regex sees (default 32 / 256) */
  readonly before?: number
  readonly after?: number
  /** generic rules also refuse placeholders, variable references and identifier-like values */
  readonly generic?: boolean
}

const SECRET_CHARS = 'A-Za-z0-9+/=_\\-.~!@#$%^&*'

export const BUILTIN_RULES: readonly RuleSpec[] = [
  {
    id: 'aws-access-key-id',
    description: 'AWS access key ID',
    keywords: ['akia', 'asia', 'abia', 'acca', 'a3t'],
    regex: '\\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\\b',
  },
  {
    id: 'aws-secret-access-key',
    description: 'AWS secret access key assigned to a variable',
    keywords: ['secret_access_key', 'secretaccesskey', 'secret-access-key', 'aws_secret'],
    regex:
      'secret[_-]?(?:access[_-]?)?key["\']?\\s*(?::|=|:=|=>)\\s*["\']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])',
    caseInsensitive: true,
    entropy: 4,
  },
  {
    id: 'openai-api-key',
    description: 'OpenAI API key',
    keywords: ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 't3blbkfj'],
    regex:
      '(?<![A-Za-z0-9_-])(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,250}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?![A-Za-z0-9_-])',
    before: 64,
  },
  {
    id: 'anthropic-api-key',
    description: 'Anthropic API key',
    keywords: ['sk-ant-'],
    regex: '(?<![A-Za-z0-9_-])(sk-ant-(?:api|admin)\\d{2}-[A-Za-z0-9_-]{80,120})(?![A-Za-z0-9_-])',
  },
  {
    id: 'huggingface-token',
    description: 'Hugging Face access token',
    keywords: ['hf_'],
    regex: '\\b(hf_[A-Za-z]{34})\\b',
  },
  {
    id: 'github-token',
    description: 'GitHub token (personal, OAuth, app, refresh or fine-grained)',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    regex: '\\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\\b',
  },
  {
    id: 'gitlab-token',
    description: 'GitLab personal access token',
    keywords: ['glpat-'],
    regex: '(?<![A-Za-z0-9_-])(glpat-[A-Za-z0-9_-]{20,60})(?![A-Za-z0-9_-])',
  },
  {
    id: 'slack-token',
    description: 'Slack bot, user or app token',
    keywords: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xapp-'],
    regex:
      '\\b(xox[baprs]-[0-9]{8,14}-[0-9A-Za-z-]{8,200}|xapp-\\d-[A-Z0-9]{8,16}-\\d{8,16}-[a-z0-9]{32,80})\\b',
  },
  {
    id: 'slack-webhook',
    description: 'Slack incoming webhook URL',
    keywords: ['hooks.slack.com/services/'],
    regex: '(https://hooks\\.slack\\.com/services/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32})',
    before: 16,
  },
  {
    id: 'stripe-secret-key',
    description: 'Stripe secret or restricted key',
    keywords: ['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_'],
    regex: '\\b((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,99})\\b',
  },
  {
    id: 'google-api-key',
    description: 'Google API key',
    keywords: ['aiza'],
    regex: '(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])',
  },
  {
    id: 'mapbox-secret-token',
    description: 'Mapbox secret access token',
    keywords: ['sk.eyj'],
    regex: '\\b(sk\\.eyJ[A-Za-z0-9_-]{20,400}\\.[A-Za-z0-9_-]{20,100})',
  },
  {
    id: 'sentry-dsn',
    description: 'Sentry DSN with its key',
    keywords: ['sentry.io', '.ingest.'],
    regex:
      '(https?://[0-9a-f]{32}(?::[0-9a-f]{32})?@[a-z0-9.-]{0,80}(?:sentry\\.io|\\.ingest\\.[a-z0-9.-]{1,80})/\\d{1,12})',
    before: 200,
  },
  {
    id: 'jwt',
    description: 'JSON Web Token',
    keywords: ['eyj'],
    // the header is short in practice; bounding it keeps a run of `eyJ-eyJ-…` linear
    regex:
      '(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{10,300}\\.eyJ[A-Za-z0-9_-]{10,8000}\\.[A-Za-z0-9_-]{10,1000})',
    after: 8192,
  },
  {
    id: 'private-key',
    description: 'Private key block (PEM)',
    keywords: ['-----begin'],
    regex: '(-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----\\s{0,4}[A-Za-z0-9+/=]{64})',
  },
  {
    id: 'age-secret-key',
    description: 'age identity (X25519 secret key)',
    keywords: ['age-secret-key-1'],
    regex: '(AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58})(?![02-9AC-HJ-NP-Z])',
  },
  {
    id: 'url-password',
    description: 'URL with an embedded password',
    keywords: ['://'],
    regex: '\\b[a-z][a-z0-9+.-]{1,20}://[^\\s:@/"\'`<>]{1,64}:([^\\s:@/"\'`<>]{3,128})@[a-z0-9.-]{1,253}',
    caseInsensitive: true,
    before: 24,
    generic: true,
  },
  {
    id: 'generic-secret',
    description: 'A password, secret, token or key assigned a high-entropy literal',
    keywords: [
      'password',
      'passwd',
      'secret',
      'token',
      'api_key',
      'apikey',
      'api-key',
      'access_key',
      'private_key',
    ],
    // a quoted literal, or an unquoted value that is the rest of the line (.env, YAML); code such as
    // `token = scanner.next()` is neither. The unquoted run is atomic, (?=(x))\\2: never backtracked into
    regex: `(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)[a-z0-9_]{0,20}["']?[ \\t]{0,4}(?::|=|:=|=>)[ \\t]{0,4}(?:["'\`]([${SECRET_CHARS}]{12,128})["'\`]|(?=([${SECRET_CHARS}]{12,128}))\\2[ \\t]*(?:#.*)?$)`,
    caseInsensitive: true,
    entropy: 3.5,
    generic: true,
  },
]

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>()
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  let bits = 0
  for (const n of counts.values()) {
    const p = n / text.length
    bits -= p * Math.log2(p)
  }
  return bits
}

/** Whether a candidate is an actual secret by the rule's own filters. */
export function accept(rule: RuleSpec, secret: string): boolean {
  if (/example/i.test(secret)) return false // AKIAIOSFODNN7EXAMPLE and friends from the docs
  if (rule.entropy !== undefined && entropy(secret) < rule.entropy) return false
  if (placeholderReason(secret) !== undefined) return false // ghp_xxxx…, sk_test_your_key_here
  if (!rule.generic) return true
  // variable references and templates, not values: ${X}, $X, {{x}}, %s, <password>, process.env.X
  if (/^[$%<{]|\$\{|\{\{|process\.env|os\.environ|\*{3}/.test(secret)) return false
  // dotted names (self.scanner2.token) are code, not values
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(secret)) return false
  // identifiers (config.password, getPassword) have no digit; generated secrets almost always do
  return /\d/.test(secret) && /[A-Za-z]/.test(secret)
}
