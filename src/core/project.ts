/**
 * A project opened for one environment: the manifest, the environment's store,
 * the fingerprinter and the audit log. Core commands take their world (cwd,
 * env vars, clock) from here instead of globals, so tests can freeze time.
 */
import { hostname, userInfo } from 'node:os'
import { join, relative } from 'node:path'
import { assertConfined } from '../lib/confine.js'
import { defaultEnvironment } from '../lib/environment.js'
import { HushError } from '../lib/errors.js'
import { type Fingerprinter, fingerprinter, loadFingerprintKey } from '../lib/fingerprint.js'
import { ensurePrivateDir } from '../lib/fs-safe.js'
import { acquireLock } from '../lib/lock.js'
import { envNameOf as defaultEnvName } from '../lib/names.js'
import { type RuntimeIndex, writeRuntimeIndex } from '../lib/runtime-index.js'
import { descriptorOf, openStore } from '../stores/registry.js'
import type { Store, StoreContext, StoreDescriptor } from '../stores/types.js'
import { AuditLog } from './audit/log.js'
import { loadManifest } from './manifest/load.js'
import { membersOf } from './manifest/members.js'
import type { EnvironmentSpec, Manifest } from './manifest/types.js'
import type { World } from './world.js'

export { realWorld, type World } from './world.js'

export interface Project {
  readonly manifest: Manifest
  readonly environment: EnvironmentSpec
  readonly store: Store
  readonly fingerprint: Fingerprinter
  readonly audit: AuditLog
  readonly stateDir: string
  readonly actor: string
  readonly world: World
  /** Where the environment's values are distributed beyond its own store (its swarm), if anywhere. */
  readonly target: Store | undefined
  /** Open the store of another environment of the same project. */
  storeFor(env: EnvironmentSpec): Store
  /** The distribution target a store kind would give this environment (`hush push --to swarm`). */
  targetOf(descriptor: StoreDescriptor): Store | undefined
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

/** What the runtime library and `hush run` need from the manifest (see lib/runtime-index). */
export function runtimeIndexOf(manifest: Manifest): RuntimeIndex {
  const environments: Record<string, { store: string; path?: string }> = {}
  for (const env of manifest.environments.values())
    environments[env.name] = {
      store: descriptorOf(env.store).runtimeLayout ?? env.store,
      ...(env.path ? { path: relative(manifest.root, env.path) } : {}),
    }
  const secrets: RuntimeIndex['secrets'] = {}
  for (const spec of manifest.secrets)
    secrets[spec.name] = {
      env: spec.env,
      entries: membersOf(spec).map((m) => m.name),
      required: spec.required,
    }
  return { version: 1, environments, secrets }
}

/** What only the command line may decide (never hush.yaml). */
export interface OpenOptions {
  /** store paths may resolve outside the project directory (`--allow-outside-project`) */
  readonly allowOutsideProject?: boolean
  /** a store file that exists but hush did not create may be taken over (`--adopt`) */
  readonly adopt?: boolean
}

export async function openProject(
  world: World,
  envName: string | undefined,
  options: OpenOptions = {},
): Promise<Project> {
  const manifest = await loadManifest(world.cwd)
  const environment = selectEnvironment(manifest, defaultEnvironment(envName, world.env))
  const stateDir = join(manifest.root, '.hush')
  const fingerprint = fingerprinter(await loadFingerprintKey(stateDir))
  await writeRuntimeIndex(manifest.root, runtimeIndexOf(manifest))
  const envNames = new Map<string, string>()
  for (const spec of manifest.secrets) envNames.set(spec.name, spec.env)
  const envNameOf = (member: string) => envNames.get(member) ?? defaultEnvName(member)
  const context: StoreContext = {
    fingerprint,
    envNameOf,
    processEnv: world.env,
    project: manifest.project,
    sealRecipients: manifest.sealRecipients,
    adopt: options.adopt === true,
  }
  const storeFor = (env: EnvironmentSpec) => {
    if (env.path !== undefined)
      assertConfined(manifest.root, env.path, `environments.${env.name}.path`, options.allowOutsideProject)
    return openStore(env, context)
  }
  const targetOf = (descriptor: StoreDescriptor) => descriptor.target?.(environment, context)
  return {
    manifest,
    environment,
    store: storeFor(environment),
    target: targetOf(descriptorOf(environment.store)),
    targetOf,
    fingerprint,
    audit: new AuditLog(stateDir, world.env),
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
