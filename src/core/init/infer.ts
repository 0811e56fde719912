/** `hush init --from ...`: read compose and .env.example files and infer the secret inventory. */
import { promises as fs } from 'node:fs'
import { relative } from 'node:path'
import { ioError } from '../../lib/errors.js'
import { type Candidate, type Candidates, candidate, type EnvKey, pushUnique } from './candidates.js'
import { classify, KEY_GENERATOR } from './classify.js'
import { type ComposeFacts, readCompose } from './compose.js'
import { parseDotenvExample } from './dotenv-example.js'
import { collapseKeyrings } from './keyring.js'
import { FILE_KEY, Links } from './link.js'
import { projectNameOf, secretNameOf, shown } from './names.js'
import { proposeRotation } from './rotation.js'
import { serverUses } from './servers.js'
import { readService } from './services.js'
import { chooseStorePath, type SecretFile } from './store-path.js'
import type { Inference, InferredSecret, InitSource } from './types.js'

const posixRelative = (root: string, path: string) => relative(root, path).split('\\').join('/')

/**
 * Infer the secrets of the project at `root` (absolute) from compose and
 * .env.example files. Reads the files; throws a HushError when one cannot be
 * read or a compose file is not YAML; everything else doubtful is a warning.
 *
 * @example
 * const inf = await inferFromSources('/src/nemo', [{ path: '/src/nemo/docker/docker-compose.yml', kind: 'compose' }])
 * await writeFile('/src/nemo/hush.yaml', renderManifest(inf))
 */
export async function inferFromSources(root: string, sources: InitSource[]): Promise<Inference> {
  const project = projectNameOf(root)
  const warnings: string[] = []
  const all: Candidates = new Map()
  const links = new Links(all, warnings)
  const texts = await Promise.all(
    sources.map(async (s) => ({ ...s, rel: posixRelative(root, s.path), text: await read(s.path) })),
  )
  const composes = texts
    .filter((t) => t.kind === 'compose')
    .map((t) => ({ ...t, facts: readCompose(t.text, t.path) }))

  const files: SecretFile[] = []
  const skipped = new Set<string>()
  for (const { facts, rel } of composes) {
    warnings.push(...facts.warnings)
    declareSecrets(facts, rel, { all, links, files, skipped, warnings })
  }
  // a Map, so that a service called __proto__ is a service like any other
  const mounted = new Map<string, string[]>()
  const targets = new Map<string, Map<string, string>>()
  const envKeys: EnvKey[] = []
  for (const t of texts)
    if (t.kind !== 'compose')
      for (const e of parseDotenvExample(t.text))
        envKeys.push({ key: e.key, example: e.value, fromDotenv: true, where: `${t.rel} ${e.key}` })
  for (const { facts } of composes)
    for (const svc of facts.services)
      readService(svc, { links, skipped, warnings, mounted, targets, envKeys })
  const ignoredKeys: string[] = []
  for (const e of envKeys) addEnvKey(e, { all, links, warnings }, ignoredKeys)

  const isSecretish = (stem: string) => classify({ name: stem, declared: false, project }) !== undefined
  const { candidates, memberOf } = collapseKeyrings(all, isSecretish)
  const secrets: InferredSecret[] = []
  for (const c of candidates.values()) {
    const s = toSecret(c, project)
    if (s) secrets.push(s)
    else pushUnique(ignoredKeys, ...c.keys)
  }
  resolveEnvCollisions(secrets, warnings)
  const known = new Set(secrets.map((s) => s.name))
  const serviceEntries: [string, string[]][] = []
  for (const [svc, names] of mounted) {
    const collapsed: string[] = []
    for (const n of names) {
      const name = memberOf.get(n) ?? n
      if (known.has(name)) pushUnique(collapsed, name)
    }
    // hush.yaml refuses a service named __proto__ (a YAML/JS hazard); leave it out rather than write a manifest that fails
    if (svc === '__proto__') warnings.push('service "__proto__" is left out of services: (a reserved name)')
    else if (collapsed.length > 0) serviceEntries.push([svc, collapsed])
  }
  const services = Object.fromEntries(serviceEntries)
  const held = serverUses(
    composes.flatMap((c) => c.facts.services),
    {
      byVar: (name) => links.byEnv.get(name) ?? secretNameOf(name),
      byPath: (svc, path) => links.secretAt(path, targets.get(svc)),
      mounted: (svc) => mounted.get(svc) ?? [],
    },
  ).uses.map((u) => ({ ...u, secret: memberOf.get(u.secret) ?? u.secret }))
  const proposal = proposeRotation(secrets, held, services)
  const firstSeen = new Map<string, number>()
  for (const [i, e] of envKeys.entries()) if (!firstSeen.has(e.key)) firstSeen.set(e.key, i)
  ignoredKeys.sort((a, b) => firstSeen.get(a)! - firstSeen.get(b)!)
  const store = chooseStorePath(root, files)
  warnings.push(...store.warnings)
  return {
    project,
    sources: texts.map((t) => t.rel),
    storePath: store.storePath,
    ...(composes.some(({ facts }) => facts.secrets.some((s) => s.external)) ? { swarmStack: true } : {}),
    secrets: proposal.secrets,
    rotators: proposal.rotators,
    services,
    ignoredKeys,
    warnings,
  }
}

async function read(path: string): Promise<string> {
  try {
    return await fs.readFile(path, 'utf8')
  } catch (err) {
    throw ioError('read', path, err)
  }
}

interface Ctx {
  all: Candidates
  links: Links
  warnings: string[]
}

function declareSecrets(
  facts: ComposeFacts,
  rel: string,
  { all, links, files, skipped, warnings }: Ctx & { files: SecretFile[]; skipped: Set<string> },
): void {
  for (const s of facts.secrets) {
    const name = secretNameOf(s.raw)
    if (name === undefined) {
      warnings.push(`compose secret ${shown(s.raw)} in ${rel}: not a safe secret name ([a-z0-9_]+); skipped`)
      skipped.add(s.raw)
      continue
    }
    if (name !== s.raw)
      warnings.push(
        `compose secret ${shown(s.raw)} in ${rel} becomes ${name} (names are [a-z0-9_]+); rename it in compose`,
      )
    links.byRaw.set(s.raw, name)
    const c = candidate(all, name)
    c.declared = true
    pushUnique(c.from, `compose secret ${shown(s.raw)}`)
    if (s.file !== undefined) files.push({ name, raw: s.raw, file: s.file })
    if (s.external) pushUnique(c.notes, 'external in compose: created outside it (e.g. docker secret create)')
    if (s.fromEnv !== undefined)
      links.link(s.fromEnv, name, `environment ${shown(s.fromEnv)} of compose secret`)
  }
}

function addEnvKey(e: EnvKey, { all, links, warnings }: Ctx, ignored: string[]): void {
  const fileKey = FILE_KEY.exec(e.key)
  if (fileKey && e.fromDotenv) {
    // X_FILE=/run/secrets/x in .env.example links like compose does; any other path is configuration
    const name = e.example ? links.secretAt(e.example) : undefined
    if (name !== undefined) links.link(fileKey[1]!, name, e.where)
    else pushUnique(ignored, e.key)
    return
  }
  const name = links.byEnv.get(e.key) ?? secretNameOf(e.key)
  if (name === undefined) {
    warnings.push(`${e.where}: ${shown(e.key)} does not make a safe secret name ([a-z0-9_]+); skipped`)
    return
  }
  const c = candidate(all, name)
  pushUnique(c.from, e.where)
  pushUnique(c.keys, e.key)
  if (e.example !== undefined && (c.example === undefined || (e.fromDotenv && !c.exampleFromDotenv))) {
    c.example = e.example
    c.exampleFromDotenv = e.fromDotenv
  }
}

function toSecret(c: Candidate, project: string): InferredSecret | undefined {
  const base = { name: c.name, from: c.from, ...(c.envVars[0] ? { env: c.envVars[0] } : {}) }
  const notes = [...c.notes]
  if (c.keyring) {
    return {
      ...base,
      kind: 'keyring',
      generate: KEY_GENERATOR,
      ...(c.keyring.mirror ? {} : { mirror: false }),
      ...noteOf(notes),
    }
  }
  const cl = classify({
    name: c.name,
    declared: c.declared,
    project,
    ...(c.example !== undefined ? { example: c.example } : {}),
  })
  if (!cl) return undefined
  if (cl.note) notes.push(cl.note)
  const { note: _, ...kind } = cl
  return { ...base, ...kind, ...noteOf(notes) }
}

const noteOf = (notes: string[]) => (notes.length > 0 ? { note: notes.join('; ') } : {})

/** Env names must be unique: drop an override that takes another secret's env name, until none clash. */
function resolveEnvCollisions(secrets: InferredSecret[], warnings: string[]): void {
  for (;;) {
    const owners = new Map<string, InferredSecret>()
    let clash: [dropped: InferredSecret, kept: InferredSecret] | undefined
    for (const s of secrets) {
      const env = s.env ?? s.name.toUpperCase()
      const other = owners.get(env)
      if (other) {
        // names are unique, so at least one of the two has an override
        clash = s.env ? [s, other] : [other, s]
        break
      }
      owners.set(env, s)
    }
    if (!clash) return
    const [dropped, kept] = clash
    warnings.push(
      `secret ${dropped.name}: env ${dropped.env} is already the env name of ${kept.name}; not overriding`,
    )
    delete dropped.env
  }
}
