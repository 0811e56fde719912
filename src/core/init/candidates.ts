/** The working set of `hush init`: every name found so far, merged across sources. */
export interface Candidate {
  name: string
  /** declared under a compose file's top-level `secrets:` */
  declared: boolean
  /** an example value; one from .env.example beats a `${VAR:-default}` */
  example?: string
  exampleFromDotenv?: boolean
  /** env vars linked to it (by `X_FILE`) that differ from the upper-cased name */
  envVars: string[]
  /** the env keys (.env.example, `${VAR}`) that named it: reported as ignored when it is not a secret */
  keys: string[]
  from: string[]
  notes: string[]
  keyring?: { mirror: boolean }
}

export type Candidates = Map<string, Candidate>

/** An env key seen in .env.example or as `${VAR}` in compose. */
export interface EnvKey {
  key: string
  example?: string
  fromDotenv: boolean
  where: string
}

export function candidate(all: Candidates, name: string): Candidate {
  let c = all.get(name)
  if (!c) {
    c = { name, declared: false, envVars: [], keys: [], from: [], notes: [] }
    all.set(name, c)
  }
  return c
}

export function pushUnique<T>(list: T[], ...items: T[]): void {
  for (const item of items) if (!list.includes(item)) list.push(item)
}
