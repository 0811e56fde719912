/** Which rotations can keep their consumers working, decided from hush.yaml and the compose files beside it. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { consumerPath, consumersOf } from '../../../src/core/rotate/consumers.js'
import { HushError } from '../../../src/lib/errors.js'
import { project, tmpProject } from '../../helpers/project.js'

const manifest = `version: 1
project: demo
environments: { development: { path: s } }
secrets:
  session_key: { generate: base64:32, rotate: { every: 30d, consumers: restart } }
  cookie_key: { generate: base64:32, rotate: 30d }
  db_password: { generate: password:24, rotate: { every: 30d, consumers: restart } }
  database_url: { derive: "postgresql://app:{{db_password | url}}@db/app" }
  cache_password: { generate: password:24, rotate: { every: 30d, consumers: restart } }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, consumers: restart } }
  jwt_ring: { generate: base64:32, rotate: { every: 30d, strategy: keyring } }
  signing_key: { generate: ed25519, rotate: 30d }
  pg_role_password: { generate: password:24, rotate: { every: 30d, via: pg } }
services:
  api: [session_key, database_url]
  worker: [database_url]
rotators:
  pg: { type: postgres, host: 127.0.0.1, role: app }
`

async function pathsOf(compose?: string) {
  const dir = tmpProject(manifest)
  if (compose) writeFileSync(join(dir, 'docker-compose.yml'), compose)
  const p = await project(dir)
  const of = (name: string) => {
    const r = consumerPath(p.manifest, p.manifest.byName.get(name)!)
    return r instanceof HushError ? `refused: ${r.message}` : r
  }
  return { of, p }
}

describe('consumerPath', () => {
  it('a rotator, a key ring or consumers: restart say how; anything else is refused with what to declare', async () => {
    const { of } = await pathsOf()
    expect(of('pg_role_password')).toBe('rotator')
    expect(of('jwt_ring')).toBe('keyring')
    expect(of('session_key')).toBe('restart')
    expect(of('cookie_key')).toMatch(/^refused: cookie_key does not say how its consumers learn a new value/)
  })

  it('a password a derived URL logs in with is held by a server: restart is not enough', async () => {
    const { of } = await pathsOf()
    expect(of('db_password')).toMatch(/^refused: db_password is a credential a server holds \(database_url/)
  })

  it('a password a compose service running a server image reads is held by that server', async () => {
    const { of } = await pathsOf(`services:
  cache:
    image: docker.io/library/redis:7-alpine
    command: ["sh", "-c", "redis-server --requirepass \\"$$(cat /run/secrets/cache_password)\\""]
    secrets: [cache_password]
  api:
    image: registry.example.com/api:1
    secrets: [session_key]
    environment:
      PGPASSWORD_FILE: /run/secrets/db_password
secrets:
  cache_password: { file: ./s/cache_password }
  session_key: { file: ./s/session_key }
`)
    expect(of('cache_password')).toMatch(
      /compose service cache \(docker.io\/library\/redis:7-alpine\) holds it/,
    )
    expect(of('session_key')).toBe('restart') // an application image is not a server
  })

  it('signing keys need a key ring, by name or by generator', async () => {
    const { of } = await pathsOf()
    expect(of('jwt_secret')).toMatch(/^refused: jwt_secret looks like a signing key/)
    expect(of('signing_key')).toMatch(/^refused: signing_key looks like a signing key/)
  })
})

describe('consumersOf', () => {
  it('lists the services that read a secret directly or through what derives from it', async () => {
    const { p } = await pathsOf()
    expect(consumersOf(p.manifest, 'session_key')).toEqual(['api'])
    expect(consumersOf(p.manifest, 'db_password')).toEqual(['api', 'worker'])
    expect(consumersOf(p.manifest, 'cookie_key')).toEqual([])
  })
})
