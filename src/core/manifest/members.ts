import type { SecretSpec } from './types.js'

/** A file or entry a secret occupies in a store. */
export interface Member {
  readonly name: string
  readonly role: 'value' | 'primary' | 'previous' | 'mirror' | 'public' | 'active-role'
}

export function isKeyring(spec: SecretSpec): boolean {
  return spec.rotation?.strategy === 'keyring'
}

export function isKeyPair(spec: SecretSpec): boolean {
  return spec.source === 'generated' && (spec.generator.kind === 'ed25519' || spec.generator.kind === 'rsa')
}

/**
 * The store entries of a secret. A keyring secret lives as `<name>_primary`,
 * `<name>_previous` and (unless `mirror: false`) the legacy `<name>` copy of the
 * primary, as seed 000 lays them out; a key pair adds `<entry>.pub`.
 */
export function membersOf(spec: SecretSpec): Member[] {
  const values: Member[] = isKeyring(spec)
    ? [
        { name: `${spec.name}_primary`, role: 'primary' },
        { name: `${spec.name}_previous`, role: 'previous' },
        ...(spec.rotation?.mirror === false ? [] : [{ name: spec.name, role: 'mirror' } as const]),
      ]
    : [{ name: spec.name, role: 'value' }]
  if (spec.activeRole) values.push({ name: spec.activeRole.entry, role: 'active-role' })
  if (!isKeyPair(spec)) return values
  return values.flatMap((m) => [m, { name: `${m.name}.pub`, role: 'public' } as const])
}

/** The member that holds the current value (the one derive templates and checks read). */
export function primaryMember(spec: SecretSpec): string {
  return isKeyring(spec) ? `${spec.name}_primary` : spec.name
}

/** Whether `env` needs this secret. */
export function isRequiredIn(spec: SecretSpec, env: string): boolean {
  return spec.required === 'all' || spec.required.includes(env)
}
