/**
 * The one rule for whether a secret has a value: an empty value is no value. Every store hush
 * opens reads an empty entry as absent (stores/registry.ts), and so do `hush run` and the runtime
 * library (runtime/resolve.ts): `check` reports it missing, `gen` fills it, `run` and
 * `loadSecrets` refuse to start without it.
 */
export function presentValue(value: string | undefined): string | undefined {
  return value === '' ? undefined : value
}
