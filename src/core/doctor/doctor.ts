/**
 * `hush doctor`: the troubleshooting sections of the seed READMEs, automated.
 * Each probe returns ok / warn / fail / skip with a message and a fix.
 */
import { existsSync, promises as fs } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { parse } from 'yaml'
import { Engine, engineEndpoint } from '../../lib/docker.js'
import { HushError } from '../../lib/errors.js'
import { gitRoot, ignoredPaths } from '../../lib/git.js'
import { permissionProblems } from '../check/files.js'
import { distribute } from '../distribute/distribute.js'
import { removeStaleSecretsDirs } from '../inject/files-dir.js'
import { isRequiredIn, membersOf } from '../manifest/members.js'
import { sinkNamesOf } from '../manifest/rules.js'
import type { Project } from '../project.js'
import { composeFiles } from './compose-files.js'
import { consumerProbes } from './consumers.js'
import { overrideProbes } from './overrides.js'
import type { Probe } from './types.js'

export type { Probe, ProbeStatus } from './types.js'

/**
 * A value base64-encoded twice (a Kubernetes classic): decoding it once gives
 * base64 text again — with base64's own `+/=` characters, or decoding to
 * printable text. Plain alphanumerics (hex, user names) are valid base64 too,
 * so they alone do not count.
 */
export function looksDoubleBase64(value: string): boolean {
  const b64 = /^[A-Za-z0-9+/]{16,}={0,2}$/
  if (!b64.test(value) || value.length % 4 !== 0) return false
  const once = Buffer.from(value, 'base64').toString('latin1')
  if (!b64.test(once) || once.length % 4 !== 0) return false
  return /[+/=]/.test(once) || /^[\x20-\x7e]{8,}$/.test(Buffer.from(once, 'base64').toString('latin1'))
}

async function storeProbes(project: Project): Promise<Probe[]> {
  const { manifest, store, environment } = project
  const env = environment.name
  const probes: Probe[] = []
  const missing: string[] = []
  const empty: string[] = []
  const doubled: string[] = []
  let refused: HushError | undefined
  for (const spec of manifest.secrets) {
    for (const m of membersOf(spec)) {
      const v = await store.read(m.name).catch((err: unknown) => {
        // a store that refuses a read is a failed probe, not an aborted doctor
        if (!(err instanceof HushError)) throw err
        refused ??= err
        return null
      })
      if (v === null) continue
      if (v === undefined) {
        if (isRequiredIn(spec, env)) missing.push(m.name)
      } else if (v.trim() === '') empty.push(m.name)
      else if (spec.source !== 'generated' && looksDoubleBase64(v)) doubled.push(m.name)
    }
  }
  if (refused)
    probes.push({
      check: 'store readable',
      status: 'fail',
      message: `${environment.store} ${store.location}: [${refused.code}] ${refused.message}`,
      ...(refused.hint ? { hint: refused.hint } : {}),
    })
  probes.push(
    missing.length === 0
      ? { check: 'secrets present', status: 'ok', message: `every required secret of ${env} has a value` }
      : {
          check: 'secrets present',
          status: 'fail',
          message: `missing in ${env}: ${missing.join(', ')}`,
          hint: 'hush gen, then hush set for provided ones',
        },
    empty.length === 0
      ? { check: 'secrets not empty', status: 'ok', message: 'no empty secret' }
      : {
          check: 'secrets not empty',
          status: 'fail',
          message: `empty: ${empty.join(', ')}`,
          hint: 'hush check shows how to refill each',
        },
  )
  if (doubled.length > 0)
    probes.push({
      check: 'encoding',
      status: 'warn',
      message: `looks base64-encoded twice: ${doubled.join(', ')}`,
      hint: 'decode it once before hush set (kubectl get secret … | base64 -d)',
    })
  if (store.backingPaths) {
    const perms = await permissionProblems(await store.backingPaths())
    probes.push(
      perms.length === 0
        ? { check: 'permissions', status: 'ok', message: 'files 0600, directory 0700, owned by you' }
        : {
            check: 'permissions',
            status: 'fail',
            message: perms.map((p) => p.message).join('; '),
            hint: perms.map((p) => p.hint).join(' && '),
          },
    )
    const root = await gitRoot(store.location)
    if (!root) probes.push({ check: 'git ignore', status: 'skip', message: 'not inside a git work tree' })
    else {
      const probe = store.capabilities.secretFiles
        ? join(store.location, '.hush-doctor-probe')
        : store.location
      const ignored = await ignoredPaths(root, [probe])
      probes.push(
        ignored.size > 0
          ? {
              check: 'git ignore',
              status: 'ok',
              message: `${relative(manifest.root, store.location)} is ignored by git`,
            }
          : {
              check: 'git ignore',
              status: 'fail',
              message: `${relative(manifest.root, store.location) || '.'} is not ignored by git`,
              hint: `add /${relative(root, store.location)}/ to .gitignore`,
            },
      )
    }
  }
  return probes
}

/** `hush run --files` directories left behind by a killed hush: removed, and reported. */
function staleRunDirProbe(): Probe {
  const removed = removeStaleSecretsDirs()
  return removed.length === 0
    ? { check: 'run --files', status: 'ok', message: 'no directory left behind by a killed hush run' }
    : {
        check: 'run --files',
        status: 'warn',
        message: `removed ${removed.map((r) => `${r.path} (hush pid ${r.pid})`).join(', ')}`,
        hint: 'a hush run --files that is SIGKILLed cannot remove its directory of values; the next hush run or doctor does',
      }
}

async function composeProbes(root: string): Promise<Probe[]> {
  const probes: Probe[] = []
  for (const file of composeFiles(root)) {
    let doc: { secrets?: Record<string, { file?: string } | null> } | undefined
    try {
      doc = parse(await fs.readFile(file, 'utf8')) as typeof doc
    } catch {
      probes.push({ check: 'compose', status: 'fail', message: `${relative(root, file)} is not valid YAML` })
      continue
    }
    const broken = Object.entries(doc?.secrets ?? {})
      .filter(([, s]) => s?.file && !existsSync(resolve(dirname(file), s.file)))
      .map(([name, s]) => `${name} → ${s!.file}`)
    probes.push(
      broken.length === 0
        ? {
            check: 'compose secrets',
            status: 'ok',
            message: `${relative(root, file)}: every secret file exists`,
          }
        : {
            check: 'compose secrets',
            status: 'fail',
            message: `${relative(root, file)} points at missing files: ${broken.join(', ')}`,
            hint: 'hush gen creates them (the store path must match the compose file: paths)',
          },
    )
  }
  return probes
}

async function dockerProbes(project: Project): Promise<Probe[]> {
  const endpoint = engineEndpoint(project.world.env)
  // a remote engine's first call includes the ssh or TLS handshake
  const engine = new Engine(endpoint, endpoint.kind === 'unix' ? 2000 : 15_000)
  const source = endpoint.from === 'default' ? 'the default socket' : endpoint.from
  let info: { Swarm?: { LocalNodeState?: string } }
  try {
    info = (await engine.call<typeof info>('GET', '/info')).body ?? {}
  } catch (err) {
    if (!(err instanceof HushError)) throw err
    const from = err.message.includes(source) ? '' : `endpoint from ${source}; `
    return [
      {
        check: 'docker engine',
        status: 'warn',
        message: `${err.message} (${from}only needed for swarm environments)`,
        hint: err.hint,
      },
    ]
  }
  const swarm = info.Swarm?.LocalNodeState ?? 'inactive'
  const services = swarm === 'active' && project.target ? await consumerProbes(project, project.target) : []
  return [
    { check: 'docker engine', status: 'ok', message: `engine reachable at ${engine.where} (${source})` },
    {
      check: 'swarm mode',
      status: swarm === 'active' ? 'ok' : 'warn',
      message: `swarm mode is ${swarm}`,
      ...(swarm === 'active' ? {} : { hint: 'docker swarm init (only needed for swarm environments)' }),
    },
    ...services,
  ]
}

/** Each distribute_to environment answers with these credentials, and a push to it would change nothing. */
async function mirrorProbes(project: Project): Promise<Probe[]> {
  const probes: Probe[] = []
  const env = project.environment.name
  for (const name of sinkNamesOf(project.environment)) {
    const check = `mirror ${name}`
    try {
      // the push plan itself: what `hush push` would create or update there
      const plan = await distribute(
        project,
        { env, store: project.store },
        { env: name, store: project.storeFor(project.manifest.environments.get(name)!) },
        { dryRun: true },
      )
      const stale = plan.rows.filter((r) => r.action === '+' || r.action === '~').map((r) => r.entry)
      probes.push(
        stale.length === 0
          ? { check, status: 'ok', message: `${name} holds every value of ${env}` }
          : {
              check,
              status: 'warn',
              message: `${name} differs from ${env} in ${stale.join(', ')}`,
              hint: `hush push -e ${env}`,
            },
      )
    } catch (err) {
      if (!(err instanceof HushError)) throw err
      probes.push({
        check,
        status: 'fail',
        message: `${name}: [${err.code}] ${err.message}`,
        ...(err.hint ? { hint: err.hint } : {}),
      })
    }
  }
  return probes
}

export async function doctor(project: Project): Promise<Probe[]> {
  const probes: Probe[] = [
    {
      check: 'manifest',
      status: 'ok',
      message: `${relative(project.world.cwd, project.manifest.file) || 'hush.yaml'} is valid`,
    },
  ]
  for (const w of project.manifest.warnings) probes.push({ check: 'manifest', status: 'warn', message: w })
  probes.push(...(await storeProbes(project)))
  probes.push(staleRunDirProbe())
  probes.push(...(await mirrorProbes(project)))
  probes.push(...(await composeProbes(project.manifest.root)))
  probes.push(...(await overrideProbes(project)))
  probes.push(...(await dockerProbes(project)))
  return probes
}
