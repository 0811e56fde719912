/** Which reader a `--from` file needs. */
import { basename } from 'node:path'

/**
 * `docker-compose.yml`, `compose.yaml` and any other `*.yml` / `*.yaml` is a
 * compose file; everything else (`.env.example`, `env.sample`) is a dotenv file.
 *
 * @example
 * detectSourceKind('/src/app/docker/docker-compose.prod.yml') // 'compose'
 */
export function detectSourceKind(path: string): 'compose' | 'dotenv' {
  return /\.ya?ml$/i.test(basename(path)) ? 'compose' : 'dotenv'
}
