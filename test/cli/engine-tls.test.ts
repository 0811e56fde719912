/**
 * push to a swarm over tcp:// with TLS: a second dockerd (--tlsverify, its own swarm) started for
 * this file; what hush created is inspected through that engine's unix socket.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hush } from '../helpers/project.js'
import {
  startTlsEngine,
  swarmPushProject,
  type TlsEngine,
  tlsEngineAvailable,
} from '../helpers/remote-engine.js'
import { docker } from '../helpers/swarm.js'

function setup() {
  const { prefix, dir } = swarmPushProject('tls')
  const run = (args: string[], env: Record<string, string>) =>
    hush([...args, '-e', 'production'], { cwd: dir, env })
  return { prefix, run }
}

describe.runIf(tlsEngineAvailable())('a swarm behind tcp:// with TLS (a second dockerd)', () => {
  let engine: TlsEngine
  let tcp: Record<string, string>
  beforeAll(async () => {
    engine = await startTlsEngine()
    tcp = { DOCKER_HOST: `tcp://127.0.0.1:${engine.port}`, DOCKER_TLS_VERIFY: '1' }
  }, 120_000)
  afterAll(async () => {
    await engine?.stop()
  }, 60_000)

  const names = (prefix: string) =>
    engine.docker(['secret', 'ls', '--format', '{{.Name}}', '--filter', `label=hush.project=${prefix}`])

  it('push creates the secrets on that engine, verifying it with DOCKER_CERT_PATH, and doctor names the endpoint', async () => {
    const { prefix, run } = setup()
    const env = { ...tcp, DOCKER_CERT_PATH: engine.clientCerts }
    expect((await run(['gen', '-q'], env)).code).toBe(0)
    const push = await run(['push'], env)
    expect(push.code, push.stderr).toBe(0)
    expect(push.stdout).toContain('2 created, 0 updated, 0 unchanged')
    expect(names(prefix).split('\n').sort()).toEqual([`${prefix}_db_password_v1`, `${prefix}_session_key_v1`])
    expect(docker(['secret', 'ls', '-q', '--filter', `label=hush.project=${prefix}`])).toBe('')
    expect((await run(['push'], env)).stdout).toContain('0 created, 0 updated, 2 unchanged')
    const doctor = await run(['doctor'], env)
    expect(doctor.stdout).toContain(`engine reachable at tcp://127.0.0.1:${engine.port} (TLS) (DOCKER_HOST)`)
    expect(doctor.stdout).toMatch(/ok\s+swarm mode/)
  })

  it('refuses an engine whose certificate another CA signed, and creates nothing', async () => {
    const { prefix, run } = setup()
    expect((await run(['gen', '-q'], {})).code).toBe(0)
    const r = await run(['push'], { ...tcp, DOCKER_CERT_PATH: engine.wrongCa })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`no Docker engine answers at tcp://127.0.0.1:${engine.port} (TLS)`)
    expect(r.stderr).toContain(`does not verify against ${join(engine.wrongCa, 'ca.pem')}`)
    expect(names(prefix)).toBe('')
  })

  it('names a certificate directory that holds no certificates, and says when the engine wants TLS', async () => {
    const { run } = setup()
    expect((await run(['gen', '-q'], {})).code).toBe(0)
    const empty = mkdtempSync(join(tmpdir(), 'hush-certs-'))
    const missing = await run(['push'], { ...tcp, DOCKER_CERT_PATH: empty })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(`no ca.pem, cert.pem or key.pem in ${empty}`)
    const plain = await run(['push'], { DOCKER_HOST: `tcp://127.0.0.1:${engine.port}` })
    expect(plain.code).toBe(1)
    expect(plain.stderr).toContain('HTTP request to an HTTPS server')
    expect(plain.stderr).toContain('set DOCKER_TLS_VERIFY=1')
  })

  it('follows a docker context the docker CLI created for that engine', async () => {
    const { prefix, run } = setup()
    const config = mkdtempSync(join(tmpdir(), 'hush-docker-config-'))
    const cli = (args: string[]) => docker(['--config', config, ...args])
    const certs = engine.clientCerts
    cli([
      'context',
      'create',
      'tls-lab',
      '--docker',
      `host=tcp://127.0.0.1:${engine.port},ca=${certs}/ca.pem,cert=${certs}/cert.pem,key=${certs}/key.pem`,
    ])
    cli(['context', 'use', 'tls-lab'])
    const env = { DOCKER_CONFIG: config }
    expect((await run(['gen', '-q'], env)).code).toBe(0)
    const push = await run(['push'], env)
    expect(push.code, push.stderr).toBe(0)
    expect(names(prefix).split('\n')).toHaveLength(2)
    const doctor = await run(['doctor'], env)
    expect(doctor.stdout).toContain(
      `engine reachable at tcp://127.0.0.1:${engine.port} (TLS) (docker context tls-lab)`,
    )
  })
})
