/**
 * A project opened for one environment: the manifest, the environment's store,
 * the fingerprinter and the audit log. Core commands take their world (cwd,
 * env vars, clock) from here instead of globals, so tests can freeze time.
 */
import { hostname, userInfo } from 'node:os'
import { join } from 'node:path'
import { HushError } from '../lib/errors.js'
import { type Fingerprinter, fingerprinter, loadFingerprintKey } from '../lib/fingerprint.js'
import { ensurePrivateDir } from '../lib/fs-safe.js'
import { acquireLock } from '../lib/lock.js'
import { envNameOf as defaultEnvName } from '../lib/names.js'
import { openStore } from '../stores/index.js'
import type { Store } from '../stores/types.js'
import { AuditLog } from './audit/log.js'
import { loadManifest } from './manifest/load.js'
import type { EnvironmentSpec, Manifest } from './manifest/types.js'

export interface World {
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly now: () => Date
}

export const realWorld = (): World => ({ cwd: process.cwd(), env: process.env, now: () => new Date() })

export interface Project {
  readonly manifest: Manifest
  readonly environment: EnvironmentSpec
  readonly store: Store
  readonly fingerprint: Fingerprinter
  readonly audit: AuditLog
  readonly stateDir: string
  readonly actor: string
  readonly world: World
  /** Open the store of another environment of the same project. */
  storeFor(env: EnvironmentSpec): Store
  /** Run `fn` holding the project's write lock. */
  locked<T>(fn: () => Promise<T>): Promise<T>
}

export function selectEnvironment(manifest: Manifest, name: string): EnvironmentSpec {
  const env = manifest.environments.get(name)
  if (!env)
    throw new HushError('HUSH_E_UNKNOWN_ENV', `environment "${name}" is not declared in ${manifest.file}`, {
      hint: `use one of: ${[...manifest.environments.keys()].join(', ')} (-e NAME or HUSH_ENV)`,
    })
  return env
}

function actorOf(world: World): string {
  if (world.env.HUSH_ACTOR) return world.env.HUSH_ACTOR
  try {
    return `${userInfo().username}@${hostname()}`
  } catch {
    return `uid ${process.getuid?.() ?? '?'}@${hostname()}`
  }
}

export async function openProject(world: World, envName: string | undefined): Promise<Project> {
  const manifest = await loadManifest(world.cwd)
  const environment = selectEnvironment(manifest, envName ?? world.env.HUSH_ENV ?? 'development')
  const stateDir = join(manifest.root, '.hush')
  const fingerprint = fingerprinter(await loadFingerprintKey(stateDir))
  const envNames = new Map<string, string>()
  for (const spec of manifest.secrets) envNames.set(spec.name, spec.env)
  const envNameOf = (member: string) => envNames.get(member) ?? defaultEnvName(member)
  const storeFor = (env: EnvironmentSpec) => openStore(env, fingerprint, envNameOf)
  return {
    manifest,
    environment,
    store: storeFor(environment),
    fingerprint,
    audit: new AuditLog(stateDir),
    stateDir,
    actor: actorOf(world),
    world,
    storeFor,
    async locked(fn) {
      await ensurePrivateDir(stateDir)
      const release = await acquireLock(join(stateDir, 'lock'))
      try {
        return await fn()
      } finally {
        await release()
      }
    },
  }
}
