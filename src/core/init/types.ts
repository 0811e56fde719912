/** The shapes `hush init` infers from compose files and .env.example files. */

/** A file `hush init --from` reads. */
export interface InitSource {
  /** absolute path */
  path: string
  kind: 'compose' | 'dotenv'
}

export type InferredKind = 'keyring' | 'password' | 'key' | 'provided' | 'user' | 'other'

/** One secret of the inferred inventory, ready to render as a `secrets:` entry. */
export interface InferredSecret {
  name: string
  kind: InferredKind
  /** generator string, e.g. `base64:32` or `password:24` */
  generate?: string
  /** a fixed value (user names) */
  value?: string
  provide?: true
  /** the environment variable name when it is not the upper-cased name */
  env?: string
  /** keyring only: false when nothing references the bare legacy `<name>` copy */
  mirror?: boolean
  /** generated, not a keyring: how its consumers learn a new value */
  rotate?: InferredRotate
  /** where it was found, for humans: "compose secret session_key", "API_KEY_FILE in service api" */
  from: string[]
  note?: string
}

/**
 * `via`: a server the compose files run holds it, and the rotator changes it there (`grace`: how
 * long old and new both work); `consumers: restart`: only the applications hold it; `manual`: a
 * server holds it that hush cannot drive, a person changes it there and runs `hush set`.
 */
export type InferredRotate =
  | { via: string; grace?: string }
  | { consumers: 'restart' }
  | { strategy: 'manual' }

/** A `rotators:` entry `hush init` proposes. */
export interface InferredRotator {
  name: string
  /** written in this order; a list is written as a flow sequence */
  settings: [key: string, value: string | number | string[]][]
  /** comment lines above it: what hush does with it and what the user still has to do */
  notes: string[]
}

/** Everything `hush init` inferred, before rendering. */
export interface Inference {
  project: string
  /** the files it was inferred from, relative to the root (posix); named in the manifest's header */
  sources?: string[]
  /** the files store directory the compose files read from, relative to the root (posix) */
  storePath: string | undefined
  /** compose declares secrets `external: true`: a Swarm stack, whose production values live in the swarm */
  swarmStack?: boolean
  secrets: InferredSecret[]
  /** the rotators the `via:` of secrets name */
  rotators: InferredRotator[]
  /** service → secret names it consumes (keyring members collapsed to the keyring name) */
  services: Record<string, string[]>
  /** .env.example / compose `${VAR}` keys judged not secret, e.g. LOG_LEVEL */
  ignoredKeys: string[]
  warnings: string[]
}
