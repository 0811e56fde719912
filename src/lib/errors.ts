/**
 * The one error type of hush. Every failure a user can meet carries a stable
 * `code` (see {@link ERROR_CODES}), a message that names what failed and where,
 * and a hint that says how to fix it. Messages never contain a secret value:
 * they name the secret and, at most, a short fingerprint.
 */
import { displayPath } from './display.js'
import { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND } from './exit-codes.js'

/** Stable error codes, their exit status, and what they mean. */
export const ERROR_CODES = {
  HUSH_E_USAGE: { exit: 2, means: 'the command line is wrong' },
  HUSH_E_MANIFEST_NOT_FOUND: { exit: 2, means: 'no hush.yaml in this directory or any parent' },
  HUSH_E_MANIFEST_INVALID: { exit: 2, means: 'hush.yaml does not follow the schema or its rules' },
  HUSH_E_MANIFEST_EXISTS: { exit: 2, means: 'init would overwrite an existing hush.yaml' },
  HUSH_E_UNKNOWN_SECRET: { exit: 2, means: 'the name is not declared in hush.yaml' },
  HUSH_E_UNKNOWN_ENV: { exit: 2, means: 'the environment is not declared in hush.yaml' },
  HUSH_E_UNSAFE_NAME: { exit: 2, means: 'a name could escape its directory or is not [a-z0-9_]' },
  HUSH_E_UNSAFE_PATH: {
    exit: 2,
    means:
      'a path leaves the project, enters .git/ or .hush/, is a symlink, or is a file hush did not create',
  },
  HUSH_E_STORE_UNSUPPORTED: { exit: 2, means: 'the store kind is not implemented in this version' },
  HUSH_E_INPUT: { exit: 2, means: 'a value given to set was refused (pattern, placeholder, empty)' },
  HUSH_E_NO_INPUT: { exit: 2, means: 'a value was needed but none could be read (no TTY, no --stdin)' },
  HUSH_E_NOT_SETTABLE: { exit: 2, means: 'the secret is generated, derived or fixed by the manifest' },
  HUSH_E_DERIVE: { exit: 1, means: 'a derived secret could not be computed' },
  HUSH_E_DOTENV_UNREPRESENTABLE: { exit: 1, means: 'the value cannot be written to a .env file losslessly' },
  HUSH_E_STORE_CORRUPT: { exit: 1, means: 'a store or metadata file could not be parsed' },
  HUSH_E_LOCKED: { exit: 1, means: 'another hush process holds the lock' },
  HUSH_E_AUDIT_BROKEN: {
    exit: 1,
    means: 'the audit log does not verify, or cannot be appended to (nothing was changed)',
  },
  HUSH_E_IO: { exit: 1, means: 'a file system operation failed' },
  HUSH_E_SECRETS: {
    exit: 1,
    means: 'secrets an application needs are missing, empty, placeholders or in conflict',
  },
  HUSH_E_JWT_UNKNOWN_KID: { exit: 1, means: 'a token names a key (kid) the key ring does not hold' },
  HUSH_E_JWT_SIGNATURE: { exit: 1, means: 'a token signature does not verify' },
  HUSH_E_JWT_EXPIRED: { exit: 1, means: 'a token has expired' },
  HUSH_E_JWT_INVALID: { exit: 1, means: 'a token is malformed or its claims do not hold' },
  HUSH_E_ENGINE: { exit: 1, means: 'the Docker engine is unreachable or refused a call' },
  HUSH_E_IN_USE: { exit: 1, means: 'a remote secret is still mounted by a running service' },
  HUSH_E_DISTRIBUTE: {
    exit: 1,
    means:
      'a service did not converge on the new secret version and was rolled back, or a compose override hush remembers could not be rewritten',
  },
  HUSH_E_SEAL: { exit: 1, means: 'a sealed file could not be opened: wrong key, damaged or changed' },
  HUSH_E_SEAL_UNTRUSTED: {
    exit: 1,
    means:
      'a sealed bundle is unsigned, signed by a key seal.signers does not list, from another project or dated in the future',
  },
  HUSH_E_SEAL_ROLLBACK: { exit: 1, means: 'a sealed bundle is older than what the store holds' },
  HUSH_E_SEAL_INVALID: {
    exit: 1,
    means: 'a sealed bundle holds values hush.yaml forbids (pattern, fixed, derived, key ring)',
  },
  HUSH_E_VAULT: { exit: 1, means: 'Vault is unreachable, refused the credentials or a request' },
  HUSH_E_AWS: {
    exit: 1,
    means: 'AWS Secrets Manager refused a request (credentials, IAM policy, or the secret)',
  },
  HUSH_E_GCP: {
    exit: 1,
    means: 'Google Secret Manager refused a request (credentials, IAM role, or the secret)',
  },
  HUSH_E_AZURE: {
    exit: 1,
    means: 'Azure Key Vault refused a request (credentials, access policy or RBAC role, or the secret)',
  },
  HUSH_E_KUBERNETES: {
    exit: 1,
    means: 'the Kubernetes API refused a request (credentials, RBAC, or the API server)',
  },
  HUSH_E_CHILD: { exit: 1, means: 'the command given to hush run could not be started' },
  HUSH_E_COMMAND_NOT_FOUND: { exit: EXIT_NOT_FOUND, means: 'the command given to hush run was not found' },
  HUSH_E_COMMAND_NOT_EXECUTABLE: {
    exit: EXIT_NOT_EXECUTABLE,
    means: 'the command given to hush run exists but cannot be executed',
  },
  HUSH_E_INTERNAL: { exit: 1, means: 'a bug in hush' },
} as const satisfies Record<string, { exit: number; means: string }>

export type HushErrorCode = keyof typeof ERROR_CODES

/** One item of an aggregate failure, rendered as a tree by {@link HushError.details}. */
export interface ErrorItem {
  readonly path: string
  readonly message: string
}

/**
 * @example
 * throw new HushError('HUSH_E_UNKNOWN_SECRET', 'secret "jwt_secrt" is not declared in hush.yaml', {
 *   hint: 'did you mean "jwt_secret"? run `hush status` to list secrets',
 * })
 */
export class HushError extends Error {
  override readonly name = 'HushError'
  readonly code: HushErrorCode
  readonly hint: string | undefined
  readonly items: readonly ErrorItem[]

  constructor(
    code: HushErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown; items?: readonly ErrorItem[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.hint = options.hint
    this.items = options.items ?? []
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit
  }

  /** The per-item tree of an aggregate failure, one line per item. */
  details(): string {
    return this.items.map((item) => `  - ${item.path}: ${item.message}`).join('\n')
  }
}

/** Wrap a Node.js file system error without leaking anything but the path and errno code. */
export function ioError(action: string, path: string, cause: unknown): HushError {
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error'
  const hint =
    errno === 'EACCES' || errno === 'EPERM'
      ? 'check the owner and mode of the file and its directory'
      : errno === 'ENOSPC'
        ? 'free some disk space and run the command again'
        : undefined
  return new HushError('HUSH_E_IO', `cannot ${action} ${displayPath(path)}: ${errno}`, { hint, cause })
}
