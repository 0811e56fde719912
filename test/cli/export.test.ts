/** hush export compose: an override that mounts each service's secrets by file, with X_FILE variables, and no values. */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { hush, tmpProject } from '../helpers/project.js'

const manifest = `version: 1
project: exp
environments: { development: { path: docker/secrets }, production: { store: gcp, gcp_project: p1 } }
secrets:
  session_key: { generate: base64:32 }
  jwt_secret: { generate: base64:32, rotate: { strategy: keyring } }
  pg_password: { generate: password:24, env: POSTGRES_PASSWORD }
services:
  api: [session_key, jwt_secret]
  db: [pg_password]
`

describe('hush export compose', () => {
  it('mounts every entry of each service secret, sets X_FILE with the manifest env names, and points file: at the store', async () => {
    const dir = tmpProject(manifest)
    expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
    expect((await hush(['export', 'compose', '-o', '-'], { cwd: dir })).code).toBe(0)
    expect(existsSync(join(dir, '.hush', 'overrides.json'))).toBe(false) // stdout is not remembered
    const r = await hush(['export', 'compose', '-o', 'deploy/override.yml'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    // remembered, so that push and rotate can rewrite it
    expect(JSON.parse(readFileSync(join(dir, '.hush', 'overrides.json'), 'utf8')).overrides).toEqual([
      { path: 'deploy/override.yml', env: 'development' },
    ])
    const path = join(dir, 'deploy', 'override.yml')
    const text = readFileSync(path, 'utf8')
    const doc = parse(text)
    expect(doc.services.api.secrets).toEqual([
      'session_key',
      'jwt_secret_primary',
      'jwt_secret_previous',
      'jwt_secret',
    ])
    expect(doc.services.api.environment).toMatchObject({
      SESSION_KEY_FILE: '/run/secrets/session_key',
      JWT_SECRET_PREVIOUS_FILE: '/run/secrets/jwt_secret_previous',
    })
    expect(doc.services.db.environment).toEqual({ POSTGRES_PASSWORD_FILE: '/run/secrets/pg_password' })
    // compose resolves file: relative to the override's directory: each one is a real secret file
    for (const [name, { file }] of Object.entries(doc.secrets as Record<string, { file: string }>)) {
      expect(existsSync(resolve(dir, 'deploy', file)), name).toBe(true)
      expect(readFileSync(join(dir, 'docker', 'secrets', name), 'utf8')).not.toBe('')
      expect(text).not.toContain(readFileSync(join(dir, 'docker', 'secrets', name), 'utf8'))
    }
    expect(statSync(path).mode & 0o777).toBe(0o644)
  })

  it('refuses stores it cannot export yet, and unknown formats, with a hint', async () => {
    const dir = tmpProject(manifest)
    const vault = await hush(['export', 'compose', '-e', 'production', '-o', '-'], { cwd: dir })
    expect(vault.code).toBe(2)
    expect(vault.stderr).toContain('HUSH_E_STORE_UNSUPPORTED')
    const helm = await hush(['export', 'helm'], { cwd: dir })
    expect(helm.code).toBe(2)
    expect(helm.stderr).toContain('this version exports: compose, k8s, kustomize, external-secrets')
  })
})
