/** `derive:` templates: `{{name}}`, `{{name | url}}`, `{{name | base64}}`. */
import { HushError } from '../../lib/errors.js'
import { TEMPLATE_REF } from '../manifest/normalize.js'

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
