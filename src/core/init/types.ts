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
  /** where it was found, for humans: "compose secret session_key", "API_KEY_FILE in service api" */
  from: string[]
  note?: string
}

/** Everything `hush init` inferred, before rendering. */
export interface Inference {
  project: string
  /** the files it was inferred from, relative to the root (posix); named in the manifest's header */
  sources?: string[]
  /** the files store directory the compose files read from, relative to the root (posix) */
  storePath: string | undefined
  secrets: InferredSecret[]
  /** service → secret names it consumes (keyring members collapsed to the keyring name) */
  services: Record<string, string[]>
  /** .env.example / compose `${VAR}` keys judged not secret, e.g. LOG_LEVEL */
  ignoredKeys: string[]
  warnings: string[]
}
