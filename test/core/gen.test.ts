import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { gen } from '../../src/core/generate/gen.js'
import { setSecret } from '../../src/core/generate/set.js'
import { project, tmpProject } from '../helpers/project.js'

const manifest = `version: 1
project: demo
environments: { development: { path: secrets } }
secrets:
  session_key: { generate: base64:32 }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring, grace: 7d } }
  signing_key: { generate: ed25519 }
  postgres_user: { value: nemo_user }
  postgres_password: { generate: password:24 }
  database_url: { derive: "postgresql://{{postgres_user}}:{{postgres_password | url}}@db/nemo" }
  hf_token: { provide: true }
  later_token: { provide: true, optional: true }
`
const files = (dir: string) =>
  readdirSync(join(dir, 'secrets'))
    .filter((n) => !n.startsWith('.'))
    .sort()
const read = (dir: string, name: string) => readFileSync(join(dir, 'secrets', name), 'utf8')

describe('gen', () => {
  it('creates every generated, fixed and derived secret, lays out key rings and key pairs, lists what needs input', async () => {
    const dir = tmpProject(manifest)
    const result = await gen(await project(dir))
    expect(files(dir)).toEqual([
      'database_url',
      'jwt_secret',
      'jwt_secret_previous',
      'jwt_secret_primary',
      'postgres_password',
      'postgres_user',
      'session_key',
      'signing_key',
      'signing_key.pub',
    ])
    expect(result.needsInput).toEqual(['hf_token'])
    expect(result.rows.find((r) => r.secret === 'later_token')?.action).toBe('optional')
    // seed 000: previous and the legacy copy start equal to the primary
    expect(read(dir, 'jwt_secret_previous')).toBe(read(dir, 'jwt_secret_primary'))
    expect(read(dir, 'jwt_secret')).toBe(read(dir, 'jwt_secret_primary'))
    expect(read(dir, 'postgres_user')).toBe('nemo_user')
    expect(read(dir, 'database_url')).toBe(
      `postgresql://nemo_user:${encodeURIComponent(read(dir, 'postgres_password'))}@db/nemo`,
    )
    for (const f of files(dir)) {
      expect(statSync(join(dir, 'secrets', f)).mode & 0o777).toBe(0o600)
      expect(read(dir, f).endsWith('\n')).toBe(false)
    }
  })

  it('never overwrites without force, and a second run changes nothing', async () => {
    const dir = tmpProject(manifest)
    await gen(await project(dir))
    const before = read(dir, 'session_key')
    const again = await gen(await project(dir))
    expect(
      again.rows.filter((r) => r.action !== 'keep' && r.action !== 'needs-input' && r.action !== 'optional'),
    ).toEqual([])
    expect(read(dir, 'session_key')).toBe(before)
    await gen(await project(dir), { names: ['session_key'], force: true })
    expect(read(dir, 'session_key')).not.toBe(before)
  })

  it('recomputes a derived secret when an input changes', async () => {
    const dir = tmpProject(manifest)
    await gen(await project(dir))
    const p = await project(dir)
    const result = await gen(p, { names: ['postgres_password'], force: true })
    expect(result.rows.find((r) => r.secret === 'database_url')?.action).toBe('update')
    expect(read(dir, 'database_url')).toContain(encodeURIComponent(read(dir, 'postgres_password')))
  })

  it('recomputes a derived secret when a provided input is set', async () => {
    const dir = tmpProject(`version: 1
project: demo
environments: { development: { path: secrets } }
secrets:
  api_token: { provide: true }
  header: { derive: "Bearer {{api_token}}" }
`)
    const first = await gen(await project(dir))
    expect(first.rows.find((r) => r.secret === 'header')).toMatchObject({
      action: 'blocked',
      note: 'waits for api_token',
    })
    const set = await setSecret(await project(dir), 'api_token', 'tok_3f9a8b7c6d5e4f3a2b1c')
    expect(set.derived.map((r) => [r.entry, r.action])).toEqual([['header', 'create']])
    expect(read(dir, 'header')).toBe('Bearer tok_3f9a8b7c6d5e4f3a2b1c')
  })

  it('repairs a missing key ring member from the primary', async () => {
    const dir = tmpProject(manifest)
    await gen(await project(dir))
    const primary = read(dir, 'jwt_secret_primary')
    writeFileSync(join(dir, 'secrets', 'jwt_secret_previous'), '') // made empty by hand: an empty value is no value
    const { rmSync } = await import('node:fs')
    rmSync(join(dir, 'secrets', 'jwt_secret'))
    await gen(await project(dir))
    expect(read(dir, 'jwt_secret')).toBe(primary)
    expect(read(dir, 'jwt_secret_primary')).toBe(primary)
    expect(read(dir, 'jwt_secret_previous')).toBe(primary) // repaired like a missing one
  })

  it('writes the public half again from the private key when only the .pub is missing', async () => {
    const dir = tmpProject(manifest)
    await gen(await project(dir))
    const pub = read(dir, 'signing_key.pub')
    const { rmSync } = await import('node:fs')
    rmSync(join(dir, 'secrets', 'signing_key.pub'))
    await gen(await project(dir))
    expect(read(dir, 'signing_key.pub')).toBe(pub)
  })

  it('dry run writes nothing', async () => {
    const dir = tmpProject(manifest)
    const plan = await gen(await project(dir), { dryRun: true })
    expect(plan.rows.filter((r) => r.action === 'create').length).toBe(9)
    expect(() => readdirSync(join(dir, 'secrets'))).toThrow()
  })

  it('records every write in the audit log with fingerprints only', async () => {
    const dir = tmpProject(manifest)
    await gen(await project(dir))
    const p = await project(dir)
    const entries = await p.audit.entries()
    expect(entries.map((e) => e.secret).sort()).toEqual(files(dir))
    const log = readFileSync(p.audit.path, 'utf8')
    for (const f of files(dir)) expect(log).not.toContain(read(dir, f))
    expect((await p.audit.verify()).problems).toEqual([])
  })
})
