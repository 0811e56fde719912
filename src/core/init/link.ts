/** Linking env vars to compose secrets: `X_FILE: /run/secrets/x` means env var X holds secret x. */
import { type Candidates, candidate, pushUnique } from './candidates.js'
import { isEnvName, shown } from './names.js'

export const SECRETS_DIR = '/run/secrets/'
/** `X_FILE` and Grafana's `X__FILE` → `X`. */
export const FILE_KEY = /^(.+?)_{1,2}FILE$/

export class Links {
  /** env var → secret name */
  readonly byEnv = new Map<string, string>()
  /** compose secret key as written → hush name, across all compose files */
  readonly byRaw = new Map<string, string>()

  constructor(
    private readonly all: Candidates,
    private readonly warnings: string[],
  ) {}

  /** The secret a `*_FILE` path names: a mount target of the service, else `/run/secrets/<declared name>`. */
  secretAt(path: string, targets?: Map<string, string>): string | undefined {
    const byTarget = targets?.get(path)
    if (byTarget) return byTarget
    return path.startsWith(SECRETS_DIR) ? this.byRaw.get(path.slice(SECRETS_DIR.length)) : undefined
  }

  /** Record that env var `envVar` reads secret `name`; `where` says who said so. */
  link(envVar: string, name: string, where: string): void {
    if (!isEnvName(envVar)) {
      this.warnings.push(`${where}: ${shown(envVar)} is not an environment variable name; not linked`)
      return
    }
    const c = candidate(this.all, name)
    pushUnique(c.from, where)
    const known = this.byEnv.get(envVar)
    if (known !== undefined && known !== name) {
      this.warnings.push(`${where}: ${envVar} already reads secret ${known}; not linked to ${name}`)
      return
    }
    this.byEnv.set(envVar, name)
    if (envVar !== name.toUpperCase()) pushUnique(c.envVars, envVar)
  }
}

/** The known name within two edits of `wanted` (seed 004 mounts `anthropic_api_key` but reads `antrhopic_api_key`). */
export function closest(wanted: string, known: Iterable<string>): string | undefined {
  let best: [string, number] | undefined
  for (const name of known) {
    const d = distance(wanted, name)
    if (d <= 2 && (!best || d < best[1])) best = [name, d]
  }
  return best?.[0]
}

/** Optimal string alignment distance: a swap of two neighbours is one edit. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  return d[a.length]![b.length]!
}
