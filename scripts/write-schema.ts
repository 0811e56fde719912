// Regenerate schema/hush.schema.json from the zod schema (npm run schema).
import { writeFileSync } from 'node:fs'
import { manifestJsonSchema } from '../src/core/manifest/json-schema.js'

writeFileSync('schema/hush.schema.json', manifestJsonSchema())
console.log('wrote schema/hush.schema.json')
