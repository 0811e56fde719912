export const FINDING_CODES = [
  'missing',
  'empty',
  'placeholder',
  'weak',
  'pattern',
  'permissions',
  'tracked',
  'not-ignored',
  'reused',
  'duplicate',
  'whitespace',
  'overdue',
  'unsafe-file',
  'stale-derived',
] as const
export type FindingCode = (typeof FINDING_CODES)[number]
export type Severity = 'error' | 'warning'

export interface Finding {
  readonly code: FindingCode
  readonly severity: Severity
  readonly secret: string
  readonly env: string
  /** names the secret and what is wrong; never contains the value */
  readonly message: string
  readonly hint: string
  /** the file concerned, for local stores */
  readonly path?: string
}

export const SEVERITY: Record<FindingCode, Severity> = {
  missing: 'error',
  empty: 'error',
  placeholder: 'error',
  weak: 'error',
  pattern: 'error',
  permissions: 'error',
  tracked: 'error',
  'not-ignored': 'error',
  reused: 'error',
  duplicate: 'error',
  whitespace: 'warning',
  overdue: 'warning',
  'unsafe-file': 'error',
  'stale-derived': 'error',
}

export const CODE_DESCRIPTIONS: Record<FindingCode, string> = {
  missing: 'A required secret has no value in the environment.',
  empty: 'A secret holds an empty value.',
  placeholder: 'A secret holds a placeholder (CHANGEME, your_*_here, TODO, a well-known default).',
  weak: 'A secret is shorter or has less entropy than its generator requires.',
  pattern: 'A secret does not match the pattern the manifest declares.',
  permissions: 'A secret file is not 0600, its directory not 0700, or another user owns it.',
  tracked: 'A secret file is tracked by git.',
  'not-ignored': 'A secret file is not ignored by git and could be committed.',
  reused: 'Two environments hold the same value for a secret.',
  duplicate: 'Two secrets of one environment hold the same value.',
  whitespace: 'A value has leading or trailing whitespace beyond one newline.',
  overdue: 'A secret is older than its rotation policy allows.',
  'unsafe-file':
    'A store entry or directory is a symlink, FIFO or device: hush does not read values through it.',
  'stale-derived': 'A derived secret no longer matches what its inputs compute to (an interrupted gen).',
}
