import { z } from 'zod'
import { manifestSchema } from './schema.js'

/** The JSON Schema shipped as schema/hush.schema.json, for editors. A test fails when the file is stale. */
export function manifestJsonSchema(): string {
  const schema = z.toJSONSchema(manifestSchema, { io: 'input', target: 'draft-2020-12' })
  return `${JSON.stringify({ ...schema, $id: 'https://www.npmjs.com/package/hushkit/schema/hush.schema.json', title: 'hush.yaml' }, null, 2)}\n`
}
