/** Cross-reference rules that a schema cannot express. */
import { membersOf } from './members.js'
import type { Problems } from './normalize.js'
import type { EnvironmentSpec, Manifest, SecretSpec } from './types.js'

/** The secret a store entry belongs to (`app_db_user` → `app_db_password`), for derive templates. */
export function ownerOfEntry(manifest: Manifest, entry: string): SecretSpec | undefined {
  return manifest.secrets.find((s) => membersOf(s).some((m) => m.name === entry))
}

/** Where a store entry's value comes from, as stores label it (a key ring's members are generated). */
export function sourceOfEntry(manifest: Manifest, entry: string): SecretSpec['source'] {
  return ownerOfEntry(manifest, entry)?.source ?? 'generated'
}

/** Order secrets so that every derive input comes before its dependants; report unknown inputs and cycles. */
function dependencyOrder(manifest: Manifest, problems: Problems): SecretSpec[] {
  const ordered: SecretSpec[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (spec: SecretSpec, trail: string[]): void => {
    const seen = state.get(spec.name)
    if (seen === 'done') return
    if (seen === 'visiting') {
      problems.errors.push(`secrets.${spec.name}.derive: cycle ${[...trail, spec.name].join(' -> ')}`)
      return
    }
    state.set(spec.name, 'visiting')
    if (spec.source === 'derived')
      for (const input of spec.inputs) {
        const dep = manifest.byName.get(input) ?? ownerOfEntry(manifest, input)
        if (!dep) problems.errors.push(`secrets.${spec.name}.derive: unknown secret "${input}"`)
        else visit(dep, [...trail, spec.name])
      }
    state.set(spec.name, 'done')
    ordered.push(spec)
  }
  for (const spec of manifest.secrets) visit(spec, [])
  return ordered
}

/** The environments an environment distributes its values to (`distribute_to:` in hush.yaml). */
export function sinkNamesOf(env: EnvironmentSpec): string[] {
  const names = env.options.distribute_to
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : []
}

export function applyRules(manifest: Manifest, problems: Problems): Manifest {
  const envNames = new Set(manifest.environments.keys())
  const memberOwner = new Map<string, string>()
  const envVarOwner = new Map<string, string>()
  for (const spec of manifest.secrets) {
    const at = `secrets.${spec.name}`
    if (spec.required !== 'all')
      for (const env of spec.required)
        if (!envNames.has(env))
          problems.errors.push(
            `${at}.required: unknown environment "${env}" (have ${[...envNames].join(', ')})`,
          )
    if (spec.rotation?.via && !manifest.rotators[spec.rotation.via])
      problems.errors.push(
        `${at}.rotate.via: unknown rotator "${spec.rotation.via}" (declare it under rotators:)`,
      )
    for (const member of membersOf(spec)) {
      const owner = memberOwner.get(member.name)
      if (owner && owner !== spec.name)
        problems.errors.push(`${at}: its store entry "${member.name}" collides with secret "${owner}"`)
      memberOwner.set(member.name, spec.name)
    }
    const envOwner = envVarOwner.get(spec.env)
    if (envOwner) problems.errors.push(`${at}.env: ${spec.env} is already the env name of "${envOwner}"`)
    envVarOwner.set(spec.env, spec.name)
  }
  for (const env of manifest.environments.values())
    sinkNamesOf(env).forEach((sink, i) => {
      const at = `environments.${env.name}.distribute_to.${i}`
      if (sink === env.name) problems.errors.push(`${at}: an environment cannot distribute to itself`)
      else if (!envNames.has(sink))
        problems.errors.push(`${at}: unknown environment "${sink}" (have ${[...envNames].join(', ')})`)
    })
  for (const [service, names] of Object.entries(manifest.services))
    names.forEach((name, i) => {
      if (!manifest.byName.has(name) && !memberOwner.has(name))
        problems.errors.push(`services.${service}.${i}: unknown secret "${name}"`)
    })
  const secrets = dependencyOrder(manifest, problems)
  return { ...manifest, secrets }
}
