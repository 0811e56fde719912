/** The compose files doctor reads: the usual names in the project root and in docker/. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const COMPOSE_FILES = ['docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml']

/** Existing compose files, plus any extra names (e.g. the override hush export compose writes). */
export function composeFiles(root: string, extra: readonly string[] = []): string[] {
  const dirs = [root, join(root, 'docker')]
  return dirs.flatMap((d) => [...COMPOSE_FILES, ...extra].map((f) => join(d, f))).filter((f) => existsSync(f))
}
