/** `derive:` templates: `{{name}}`, `{{name | url}}`, `{{name | base64}}`. */
import { HushError } from '../../lib/errors.js'
import { primaryMember } from '../manifest/members.js'
import { TEMPLATE_REF } from '../manifest/normalize.js'
import type { Manifest, SecretSpec } from '../manifest/types.js'

type DerivedSpec = Extract<SecretSpec, { source: 'derived' }>

const FILTERS: Record<string, (value: string) => string> = {
  url: encodeURIComponent,
  base64: (value) => Buffer.from(value, 'utf8').toString('base64'),
}

/** Fill a template from the current values of its inputs; `missing` lists inputs that have none. */
export function renderTemplate(
  name: string,
  template: string,
  valueFor: (input: string) => string | undefined,
): string {
  const missing: string[] = []
  const out = template.replace(TEMPLATE_REF, (_, input: string, filter: string | undefined) => {
    const value = valueFor(input)
    if (value === undefined) {
      missing.push(input)
      return ''
    }
    return filter ? FILTERS[filter]!(value) : value
  })
  if (missing.length > 0)
    throw new HushError('HUSH_E_DERIVE', `cannot derive ${name}: ${missing.join(', ')} has no value yet`, {
      hint: `create the inputs first (\`hush gen\` or \`hush set ${missing[0]}\`)`,
    })
  return out
}

/** The store entry a derive input reads: a secret's primary entry, or an entry by name (the active role). */
export function inputEntry(manifest: Manifest, input: string): string {
  const dep = manifest.byName.get(input)
  return dep ? primaryMember(dep) : input
}

/** The inputs of a derived secret that have no value yet. */
export function missingInputs(
  manifest: Manifest,
  spec: DerivedSpec,
  entryValue: (entry: string) => string | undefined,
): string[] {
  return spec.inputs.filter((input) => entryValue(inputEntry(manifest, input)) === undefined)
}

/** A derived secret's value from the values of the entries its inputs read (gen and rotation both use it). */
export function derivedValue(
  manifest: Manifest,
  spec: DerivedSpec,
  entryValue: (entry: string) => string | undefined,
): string {
  return renderTemplate(spec.name, spec.template, (input) => entryValue(inputEntry(manifest, input)))
}

/**
 * What a derived secret should hold now, from its inputs as `readEntry` gives them, or undefined
 * when an input has no value. check and status compare it with what is stored (a gen killed
 * between an input and the derived value leaves them apart).
 */
export async function expectedDerived(
  manifest: Manifest,
  spec: DerivedSpec,
  readEntry: (entry: string) => Promise<string | undefined>,
): Promise<string | undefined> {
  const values = new Map<string, string | undefined>()
  for (const input of spec.inputs) {
    const entry = inputEntry(manifest, input)
    values.set(entry, await readEntry(entry))
  }
  const read = (entry: string) => values.get(entry)
  return missingInputs(manifest, spec, read).length > 0 ? undefined : derivedValue(manifest, spec, read)
}
