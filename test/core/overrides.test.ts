/**
 * src/core/export/overrides.ts on files environments: which overrides hush remembers, when
 * refreshOverrides rewrites one (only when its content would change), forgets one (deleted by the
 * user) or fails loudly (naming the file), and doctor's probe of them. The swarm side, with real
 * services, is test/cli/overrides.test.ts.
 */
import { mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { overrideProbes } from '../../src/core/doctor/overrides.js'
import { recordedOverrides, saveOverrides } from '../../src/core/export/override-registry.js'
import { refreshOverrides, writeOverride } from '../../src/core/export/overrides.js'
import { gen } from '../../src/core/generate/gen.js'
import { project, tmpProject } from '../helpers/project.js'

const MANIFEST = `version: 1
project: ovr
environments: { development: { path: docker/secrets }, staging: { path: docker/staging } }
secrets:
  session_key: { generate: base64:32 }
  pg_password: { generate: password:24 }
services:
  api: [session_key]
`

const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

async function exported(file = 'deploy/override.yml') {
  const dir = tmpProject(MANIFEST)
  made.push(dir)
  const p = await project(dir)
  await gen(p)
  const path = join(dir, file)
  const written = await writeOverride(p, path, file)
  return { dir, p, path, written }
}

describe('export/overrides: remembered and kept current', () => {
  it('remembers an override inside the project by its path from the root, in a 0600 file', async () => {
    const { dir, p, written } = await exported()
    expect(written.remembered).toBe(true)
    expect(await recordedOverrides(p)).toEqual([{ path: 'deploy/override.yml', env: 'development' }])
    expect(statSync(join(dir, '.hush', 'overrides.json')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(dir, 'deploy', 'override.yml'), 'utf8')).toContain(
      '# use: docker compose -f docker-compose.yml -f deploy/override.yml up',
    )
    // the same path again, for another environment: one record, the last one
    await writeOverride(await project(dir, 'staging'), join(dir, 'deploy', 'override.yml'), 'x')
    expect(await recordedOverrides(p)).toEqual([{ path: 'deploy/override.yml', env: 'staging' }])
  })

  it('writes but never remembers an override outside the project, and refuses one in .hush/ or on hush.yaml', async () => {
    const { dir, p } = await exported()
    const outside = join(tmpdir(), `hush-override-${process.pid}.yml`)
    made.push(outside)
    expect((await writeOverride(p, outside, outside)).remembered).toBe(false)
    expect((await recordedOverrides(p)).map((r) => r.path)).toEqual(['deploy/override.yml'])
    for (const bad of [join(dir, '.hush', 'o.yml'), join(dir, 'hush.yaml')])
      await expect(writeOverride(p, bad, bad)).rejects.toMatchObject({ code: 'HUSH_E_UNSAFE_PATH' })
  })

  it('rewrites an override only when its content would change, and forgets one the user deleted', async () => {
    const { dir, path } = await exported()
    const inode = statSync(path).ino
    expect(await refreshOverrides(await project(dir))).toBeUndefined()
    expect(statSync(path).ino).toBe(inode) // not even rewritten in place
    writeFileSync(
      join(dir, 'hush.yaml'),
      MANIFEST.replace('api: [session_key]', 'api: [session_key, pg_password]'),
    )
    expect(await refreshOverrides(await project(dir))).toBe('compose override rewritten: deploy/override.yml')
    expect(readFileSync(path, 'utf8')).toContain('PG_PASSWORD_FILE: /run/secrets/pg_password')
    // another environment's refresh leaves it alone
    rmSync(path)
    expect(await refreshOverrides(await project(dir, 'staging'))).toBeUndefined()
    const p = await project(dir)
    expect(await refreshOverrides(p)).toBe('compose override deleted, forgotten: deploy/override.yml')
    expect(await recordedOverrides(p)).toEqual([])
  })

  it('fails loudly, naming the file, when an override cannot be rewritten', async () => {
    const { dir, p } = await exported()
    writeFileSync(join(dir, 'hush.yaml'), MANIFEST.replace(/services:[\s\S]*$/, ''))
    await expect(refreshOverrides(await project(dir))).rejects.toMatchObject({
      code: 'HUSH_E_DISTRIBUTE',
      message: expect.stringContaining('the compose override deploy/override.yml could not be rewritten'),
      hint: expect.stringContaining('hush export compose -e development -o deploy/override.yml'),
    })
    // a record pointing out of the project (the state file edited by hand) is refused, not followed
    writeFileSync(join(dir, 'hush.yaml'), MANIFEST)
    mkdirSync(join(dir, 'elsewhere'))
    symlinkSync(tmpdir(), join(dir, 'elsewhere', 'out'))
    await saveOverrides(p, [{ path: 'elsewhere/out/o.yml', env: 'development' }])
    await expect(refreshOverrides(p)).rejects.toMatchObject({
      code: 'HUSH_E_DISTRIBUTE',
      message: expect.stringContaining('HUSH_E_UNSAFE_PATH'),
    })
    writeFileSync(join(dir, '.hush', 'overrides.json'), '{"overrides": [{"path": 3}]}')
    await expect(recordedOverrides(p)).rejects.toMatchObject({ code: 'HUSH_E_STORE_CORRUPT' })
  })
})

describe('export/overrides: never a file that is not an override', () => {
  it('a record pointing at a secret file is neither rewritten nor shown by doctor; -o refuses stores and foreign files', async () => {
    const { dir, p } = await exported()
    const secretFile = join(dir, 'docker', 'secrets', 'session_key')
    const value = readFileSync(secretFile, 'utf8')
    // .hush/overrides.json edited by someone else: a store file and a plain file of the project
    writeFileSync(join(dir, 'notes.yml'), 'db: pass: CANARY-not-an-override-9f8e7d\n')
    for (const path of ['docker/secrets/session_key', 'notes.yml']) {
      await saveOverrides(p, [{ path, env: 'development' }])
      await expect(refreshOverrides(p)).rejects.toMatchObject({ code: 'HUSH_E_DISTRIBUTE' })
      const probes = JSON.stringify(await overrideProbes(p))
      expect(probes).not.toContain(value)
      expect(probes).not.toContain('CANARY')
    }
    expect(readFileSync(secretFile, 'utf8')).toBe(value)
    await expect(writeOverride(p, secretFile, 'x')).rejects.toMatchObject({ code: 'HUSH_E_UNSAFE_PATH' })
    await expect(writeOverride(p, join(dir, 'notes.yml'), 'notes.yml')).rejects.toMatchObject({
      code: 'HUSH_E_USAGE',
    })
    expect(readFileSync(join(dir, 'notes.yml'), 'utf8')).toContain('CANARY') // untouched
  })
})

describe('doctor: remembered overrides', () => {
  it('ok when current, warn when hush would write something else, fail on a missing file; other environments are skipped', async () => {
    const { dir, path } = await exported()
    const probe = async (env = 'development') => (await overrideProbes(await project(dir, env)))[0]
    expect(await probe()).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('names the current'),
    })
    expect(await probe('staging')).toMatchObject({
      status: 'skip',
      message: "deploy/override.yml is development's: hush doctor -e development checks it",
    })
    writeFileSync(path, `${readFileSync(path, 'utf8')}\n# edited\n`)
    expect(await probe()).toMatchObject({
      status: 'warn',
      hint: 'hush export compose -e development -o deploy/override.yml (hush push and hush rotate rewrite it too)',
    })
    rmSync(join(dir, 'docker', 'secrets', 'session_key'))
    expect(await probe()).toMatchObject({
      status: 'fail',
      message: 'deploy/override.yml points at missing files: session_key → ../docker/secrets/session_key',
    })
    rmSync(path)
    expect(await overrideProbes(await project(dir))).toEqual([])
  })
})
