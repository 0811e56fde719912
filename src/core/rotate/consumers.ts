/**
 * How a secret's consumers learn a new value, and whether a rotation can keep them working:
 * a credential a server holds needs a rotator (`via:`), a signing key a key ring, and a secret
 * only the application holds says that restarting its services is enough (`consumers: restart`).
 * `hush rotate` refuses anything else unless told `--allow-downtime`.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { HushError } from '../../lib/errors.js'
import { composeFiles } from '../doctor/compose-files.js'
import { serverImage } from '../init/servers.js'
import type { Manifest, SecretSpec } from '../manifest/types.js'

export type ConsumerPath = 'rotator' | 'keyring' | 'restart'

const SIGNING = /(^|_)(jwt|signing|hmac|sign)(_|$)/

/** Why a server holds this secret (a name, for the message), or undefined. */
export function serverHolding(manifest: Manifest, spec: SecretSpec): string | undefined {
  // a connection URL of a derived secret carries it as the password: the server checks it
  const userinfo = new RegExp(`:\\{\\{\\s*${spec.name}\\s*(\\|[^}]*)?\\}\\}@`)
  const url = manifest.secrets.find((d) => d.source === 'derived' && userinfo.test(d.template))
  if (url) return `${url.name} logs in to a server with it`
  const server = composeServers(manifest.root).find((s) => s.uses.has(spec.name))
  return server ? `compose service ${server.name} (${server.image}) holds it` : undefined
}

/** Compose services running a server image, and the secrets they read (mounts and `/run/secrets/x` paths). */
function composeServers(root: string): { name: string; image: string; uses: Set<string> }[] {
  const out: { name: string; image: string; uses: Set<string> }[] = []
  for (const file of composeFiles(root)) {
    let doc: unknown
    try {
      doc = parse(readFileSync(file, 'utf8'))
    } catch {
      continue // doctor reports unreadable compose files
    }
    const services = (doc as { services?: Record<string, unknown> } | null)?.services ?? {}
    for (const [name, raw] of Object.entries(services)) {
      const svc = (raw ?? {}) as { image?: unknown; secrets?: unknown; environment?: unknown }
      if (typeof svc.image !== 'string' || !serverImage(svc.image)) continue
      const uses = new Set<string>()
      for (const s of Array.isArray(svc.secrets) ? svc.secrets : [])
        uses.add(typeof s === 'string' ? s : String((s as { source?: unknown })?.source ?? ''))
      const env = svc.environment
      const values = Array.isArray(env) ? env.map(String) : Object.values(env ?? {}).map(String)
      for (const v of values) for (const m of v.matchAll(/\/run\/secrets\/([a-z0-9_]+)/g)) uses.add(m[1]!)
      out.push({ name, image: svc.image, uses })
    }
  }
  return out
}

/** A key that signs (JWTs, HMACs): consumers verify old tokens with it, so it needs a key ring. */
function isSigningKey(spec: SecretSpec): boolean {
  return (
    SIGNING.test(spec.name) ||
    (spec.source === 'generated' && (spec.generator.kind === 'ed25519' || spec.generator.kind === 'rsa'))
  )
}

/** How consumers learn the new value, or the refusal that says what to declare. */
export function consumerPath(manifest: Manifest, spec: SecretSpec): ConsumerPath | HushError {
  const rotation = spec.rotation
  if (rotation?.via) return 'rotator'
  const server = serverHolding(manifest, spec)
  if (server)
    return refusal(
      `${spec.name} is a credential a server holds (${server}): a new value in the store does not change the server's, so consumers would fail on their next restart`,
      `add a rotator: rotate: { via: <name> } with rotators: { <name>: { type: postgres|redis, … } } (docs/rotation.md), or accept the outage with --allow-downtime`,
    )
  if (rotation?.strategy === 'keyring') return 'keyring'
  if (isSigningKey(spec))
    return refusal(
      `${spec.name} looks like a signing key: replacing it logs out every token signed with it`,
      `keep the old key verifying for a while: rotate: { strategy: keyring, grace: 7d }, or accept it with --allow-downtime`,
    )
  if (rotation?.consumers === 'restart') return 'restart'
  return refusal(
    `${spec.name} does not say how its consumers learn a new value`,
    `if only your services hold it, add rotate: { consumers: restart } (the services in services: restart); a server's credential needs via:, a signing key strategy: keyring`,
  )
}

function refusal(message: string, hint: string): HushError {
  return new HushError('HUSH_E_USAGE', message, { hint })
}

/** The services that consume a secret, directly or through a derived one (`services:` in hush.yaml). */
export function consumersOf(manifest: Manifest, name: string): string[] {
  const names = new Set([
    name,
    ...manifest.secrets.filter((d) => d.source === 'derived' && d.inputs.includes(name)).map((d) => d.name),
  ])
  return Object.entries(manifest.services)
    .filter(([, uses]) => uses.some((u) => names.has(u) || names.has(u.replace(/_(primary|previous)$/, ''))))
    .map(([service]) => service)
    .sort()
}
