import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { manifestJsonSchema } from '../../src/core/manifest/json-schema.js'
import { parseManifest } from '../../src/core/manifest/load.js'
import { membersOf } from '../../src/core/manifest/members.js'
import type { HushError } from '../../src/lib/errors.js'

const problemsOf = (text: string): string[] => {
  try {
    parseManifest(text, '/p/hush.yaml')
  } catch (err) {
    const e = err as HushError
    expect(e.code).toBe('HUSH_E_MANIFEST_INVALID')
    return e.items.map((i) => `${i.path}: ${i.message}`)
  }
  throw new Error('expected the manifest to be refused')
}
const head = 'version: 1\nproject: nemo\n'

describe('manifest', () => {
  it('prefixes errors with the dotted path', () => {
    expect(
      problemsOf(`${head}secrets:\n  jwt_secret: { generate: base64:32, rotate: { every: 30x } }\n`),
    ).toEqual(['secrets.jwt_secret.rotate.every: expected a duration like 30d'])
  })

  it('rejects names that could escape a directory', () => {
    for (const bad of ['"../etc"', '"a/b"', '".."', '"Upper"', '"x\\0y"'])
      expect(problemsOf(`${head}secrets:\n  ${bad}: { value: a }\n`)[0]).toMatch(
        /lower-case letters, digits and underscores/,
      )
  })

  it('needs exactly one of generate, value, derive, provide', () => {
    expect(
      problemsOf(`${head}secrets:\n  a: { description: x }\n  b: { value: x, provide: true }\n`),
    ).toEqual([
      'secrets.a: needs one of generate, value, derive or provide',
      'secrets.b: value and provide exclude each other; keep one',
    ])
  })

  it('checks cross references: derive inputs, cycles, services, rotators, environments', () => {
    const problems = problemsOf(`${head}environments: { development: {} }
secrets:
  url: { derive: "{{nope}}" }
  a: { derive: "{{b}}" }
  b: { derive: "{{a}}" }
  t: { provide: true, required: [prod] }
  p: { generate: password:24, rotate: { via: pg } }
services:
  api: [url, ghost]
`)
    expect(problems).toContain('secrets.t.required: unknown environment "prod" (have development)')
    expect(problems).toContain('secrets.p.rotate.via: unknown rotator "pg" (declare it under rotators:)')
    expect(problems).toContain('services.api.1: unknown secret "ghost"')
    expect(problems).toContain('secrets.url.derive: unknown secret "nope"')
    expect(
      problems.some(
        (p) => p.startsWith('secrets.a.derive: cycle') || p.startsWith('secrets.b.derive: cycle'),
      ),
    ).toBe(true)
  })

  it('refuses a key ring whose entries collide with another secret', () => {
    expect(
      problemsOf(
        `${head}secrets:\n  jwt: { generate: base64:32, rotate: { strategy: keyring } }\n  jwt_primary: { value: x }\n`,
      ),
    ).toEqual(['secrets.jwt_primary: its store entry "jwt_primary" collides with secret "jwt"'])
  })

  it('reports YAML syntax errors with a line', () => {
    expect(problemsOf(`${head}secrets:\n  a: { value: x\n`)[0]).toMatch(/^line \d+:/)
  })

  it('normalizes generators, rotation defaults and required environments', () => {
    const m = parseManifest(
      `${head}environments: { development: {}, production: { store: swarm } }
defaults: { rotate: 90d }
secrets:
  session_key: { generate: base64:32 }
  pw: { generate: { kind: password, length: 20, symbols: "!", exclude: "0O" } }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring, grace: 7d } }
  user: { value: nemo }
  url: { derive: "x://{{user}}:{{pw | url}}@h" }
  token: { provide: true, required: [production] }
  opt: { provide: true, optional: true }
`,
      '/p/hush.yaml',
    )
    const get = (n: string) => m.byName.get(n)!
    expect(get('session_key')).toMatchObject({
      source: 'generated',
      generator: { kind: 'base64', size: 32 },
      rotation: { every: '90d', strategy: 'replace' },
    })
    const pw = get('pw')
    expect(pw.source === 'generated' && pw.generator.charset).toBe(
      'ABCDEFGHIJKLMNPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz123456789!',
    )
    expect(membersOf(get('jwt_secret')).map((x) => x.name)).toEqual([
      'jwt_secret_primary',
      'jwt_secret_previous',
      'jwt_secret',
    ])
    expect(get('user').rotation).toBeUndefined()
    expect(get('token').required).toEqual(['production'])
    expect(get('token').rotation).toBeUndefined()
    expect(get('opt').required).toEqual([])
    expect(m.secrets.map((s) => s.name).indexOf('url')).toBeGreaterThan(
      m.secrets.map((s) => s.name).indexOf('pw'),
    )
    expect(m.environments.get('development')).toMatchObject({
      store: 'files',
      path: '/p/.secrets/development',
    })
  })

  it('ships a JSON Schema that matches the zod schema (run `npm run schema` when this fails)', () => {
    expect(readFileSync('schema/hush.schema.json', 'utf8')).toBe(manifestJsonSchema())
  })
})

describe('manifest names', () => {
  it('refuses __proto__ rather than dropping it', () => {
    expect(problemsOf(`${head}secrets:\n  __proto__: { generate: hex:16 }\n`)).toEqual([
      'secrets.__proto__: this name is reserved',
    ])
  })
})

describe('manifest duplicates', () => {
  it('reports a secret defined twice with its line', () => {
    expect(problemsOf(`${head}secrets:\n  a: { value: x }\n  a: { value: y }\n`)).toEqual([
      'line 5: secrets.a is defined twice',
    ])
  })
})
