/** Compose-style `${VAR}` interpolation, only as far as `hush init` needs it. */

export interface VarRef {
  name: string
  /** the `${VAR:-default}` / `${VAR-default}` default, an example value */
  example?: string
}

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g

/** The variables a compose value refers to (`$$` is an escaped dollar, not a reference). */
export function varRefs(value: string): VarRef[] {
  const refs: VarRef[] = []
  for (const m of value.replaceAll('$$', '').matchAll(REF)) {
    const name = (m[1] ?? m[4])!
    const withDefault = m[2] === '-' || m[2] === ':-'
    const example = withDefault && !m[3]!.includes('$') ? m[3]! : undefined
    refs.push(example === undefined ? { name } : { name, example })
  }
  return refs
}

/** `value` with every reference replaced by its default; undefined when one has no default. */
export function withDefaults(value: string): string | undefined {
  let unresolved = false
  const text = value.replaceAll('$$', '\0').replace(REF, (_all, _name, op, def, _bare) => {
    if ((op === '-' || op === ':-') && !String(def).includes('$')) return String(def)
    unresolved = true
    return ''
  })
  return unresolved ? undefined : text.replaceAll('\0', '$')
}
