import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeEndpoint, Engine, type EngineEndpoint, engineEndpoint } from '../../src/lib/docker.js'
import { sshArgs } from '../../src/lib/docker-ssh.js'
import { HushError } from '../../src/lib/errors.js'

/** A HOME and DOCKER_CONFIG of its own, so the real ~/.docker is never read. */
function world(env: Record<string, string> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'hush-docker-home-'))
  const config = join(home, 'docker-config')
  mkdirSync(config)
  const all: Record<string, string> = { HOME: home, DOCKER_CONFIG: config, ...env }
  return { home, config, env: all }
}

/** A context as `docker context create` stores it: meta.json (and TLS files) under sha256(name). */
function context(config: string, name: string, docker: Record<string, unknown>, tls?: string[]): void {
  const id = createHash('sha256').update(name).digest('hex')
  const meta = join(config, 'contexts', 'meta', id)
  mkdirSync(meta, { recursive: true })
  writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker } }))
  if (!tls) return
  const dir = join(config, 'contexts', 'tls', id, 'docker')
  mkdirSync(dir, { recursive: true })
  for (const file of tls) writeFileSync(join(dir, file), 'not a real certificate')
}

const resolve = (env: Record<string, string>) => {
  const e = engineEndpoint(world(env).env)
  return { e, where: describeEndpoint(e) }
}

async function failure(endpoint: EngineEndpoint): Promise<HushError> {
  const err = await new Engine(endpoint).call('GET', '/info').catch((e: unknown) => e)
  expect(err).toBeInstanceOf(HushError)
  expect((err as HushError).code).toBe('HUSH_E_ENGINE')
  return err as HushError
}

describe('DOCKER_HOST', () => {
  it('is the local socket when unset and no context is chosen', () => {
    expect(resolve({})).toEqual({
      e: { kind: 'unix', from: 'default', socketPath: '/var/run/docker.sock' },
      where: 'unix:///var/run/docker.sock',
    })
  })

  it('reads unix:// as a socket path and tcp:// as plain HTTP on 2375 unless it names a port', () => {
    expect(resolve({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }).where).toBe(
      'unix:///run/user/1000/docker.sock',
    )
    expect(resolve({ DOCKER_HOST: 'tcp://10.0.0.5' }).e).toEqual({
      kind: 'tcp',
      from: 'DOCKER_HOST',
      host: '10.0.0.5',
      port: 2375,
    })
    expect(resolve({ DOCKER_HOST: 'tcp://[::1]:2376' }).where).toBe('tcp://[::1]:2376')
  })

  it('speaks TLS on 2376 when DOCKER_TLS_VERIFY is set, with certificates from DOCKER_CERT_PATH, else the docker config directory', () => {
    const { e, where } = resolve({
      DOCKER_HOST: 'tcp://manager',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/c',
    })
    expect(e).toMatchObject({ kind: 'tcp', port: 2376, tls: { dir: '/c', setting: 'DOCKER_CERT_PATH' } })
    expect(where).toBe('tcp://manager:2376 (TLS)')
    const w = world({ DOCKER_HOST: 'tcp://manager:3000', DOCKER_TLS_VERIFY: '0' })
    expect(engineEndpoint(w.env)).toMatchObject({ port: 3000, tls: { dir: w.config } })
    const { DOCKER_CONFIG: _, ...noConfig } = w.env
    expect(engineEndpoint(noConfig)).toMatchObject({ tls: { dir: join(w.home, '.docker') } })
  })

  it('refuses DOCKER_TLS without DOCKER_TLS_VERIFY: hush does not send secrets to an engine it cannot verify', async () => {
    const { e } = resolve({ DOCKER_HOST: 'tcp://manager:2376', DOCKER_TLS: '1' })
    expect(e.kind).toBe('unusable')
    const err = await failure(e)
    expect(err.message).toContain('without verifying')
    expect(err.hint).toContain('DOCKER_TLS_VERIFY=1')
  })

  it('reads ssh://[user@]host[:port][/socket] and runs ssh in batch mode as the docker CLI does', () => {
    const { e, where } = resolve({ DOCKER_HOST: 'ssh://ops@manager' })
    expect(where).toBe('ssh://ops@manager')
    expect(e.kind === 'ssh' && sshArgs(e)).toEqual([
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=30',
      '-T',
      '-l',
      'ops',
      '--',
      'manager',
      'docker',
      'system',
      'dial-stdio',
    ])
    const other = resolve({ DOCKER_HOST: 'ssh://manager:2222/var/run/other.sock' })
    expect(other.where).toBe('ssh://manager:2222/var/run/other.sock')
    expect(other.e.kind === 'ssh' && sshArgs(other.e).slice(-8)).toEqual([
      '-p',
      '2222',
      '--',
      'manager',
      'docker',
      '--host=unix:///var/run/other.sock',
      'system',
      'dial-stdio',
    ])
  })

  it('refuses a password in an ssh URL (without repeating it), a socket path meant for a shell, and other schemes', async () => {
    // built at run time: the repository's own scan must not find a URL with a password in it
    const password = resolve({ DOCKER_HOST: ['ssh://ops', 'hunter2@manager'].join(':') })
    expect(password.e.kind).toBe('unusable')
    const err = await failure(password.e)
    expect(`${err.message} ${err.hint}`).not.toContain('hunter2')
    expect(resolve({ DOCKER_HOST: 'ssh://manager/x;reboot' }).e.kind).toBe('unusable')
    for (const host of ['npipe:////./pipe/docker_engine', 'manager:2375', 'unix://'])
      expect(resolve({ DOCKER_HOST: host }).e.kind).toBe('unusable')
    expect((await failure(resolve({ DOCKER_HOST: 'fd://' }).e)).message).toContain('scheme fd://')
  })

  it('names the endpoint when nothing answers there', async () => {
    const err = await failure(engineEndpoint({ DOCKER_HOST: 'unix:///nonexistent.sock' }))
    expect(err.message).toContain('no Docker engine answers at unix:///nonexistent.sock')
    expect(err.hint).toContain('start dockerd')
  })
})

describe('TLS certificates', () => {
  it('are read at the first call, and a directory without them is named in the error', async () => {
    const { config, env } = world({ DOCKER_HOST: 'tcp://127.0.0.1:1', DOCKER_TLS_VERIFY: '1' })
    const err = await failure(engineEndpoint(env))
    expect(err.message).toBe(`no ca.pem, cert.pem or key.pem in ${config} for tcp://127.0.0.1:1 (TLS)`)
    expect(err.hint).toContain('DOCKER_CERT_PATH must name the directory')
    writeFileSync(join(config, 'cert.pem'), 'x')
    expect((await failure(engineEndpoint(env))).message).toContain('holds cert.pem without key.pem')
  })
})

describe('docker contexts', () => {
  it('follow currentContext in config.json, DOCKER_CONTEXT over it, and DOCKER_HOST over both', () => {
    const { config, env } = world()
    writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: 'prod' }))
    context(config, 'prod', { Host: 'ssh://ops@manager:2222', SkipTLSVerify: false })
    context(config, 'lab', { Host: 'unix:///lab.sock' })
    expect(engineEndpoint(env)).toEqual({
      kind: 'ssh',
      from: 'docker context prod',
      host: 'manager',
      user: 'ops',
      port: 2222,
    })
    expect(engineEndpoint({ ...env, DOCKER_CONTEXT: 'lab' })).toEqual({
      kind: 'unix',
      from: 'docker context lab',
      socketPath: '/lab.sock',
    })
    expect(engineEndpoint({ ...env, DOCKER_HOST: 'tcp://h:1' })).toMatchObject({ from: 'DOCKER_HOST' })
    expect(engineEndpoint({ ...env, DOCKER_CONTEXT: 'default' })).toMatchObject({
      socketPath: '/var/run/docker.sock',
    })
  })

  it("take TLS material from the context's tls folder", () => {
    const { config, env } = world({ DOCKER_CONTEXT: 'remote' })
    context(config, 'remote', { Host: 'tcp://10.0.0.9:2376' }, ['ca.pem', 'cert.pem', 'key.pem'])
    const id = createHash('sha256').update('remote').digest('hex')
    const e = engineEndpoint(env)
    expect(e).toMatchObject({
      kind: 'tcp',
      host: '10.0.0.9',
      port: 2376,
      tls: { dir: join(config, 'contexts', 'tls', id, 'docker'), setting: 'docker context remote' },
    })
    expect(describeEndpoint(e)).toBe('tcp://10.0.0.9:2376 (TLS)')
  })

  it('refuse a context that does not exist, skips TLS verification, or a config.json that is not JSON', async () => {
    const { config, env } = world({ DOCKER_CONTEXT: 'gone' })
    const gone = await failure(engineEndpoint(env))
    expect(gone.message).toBe('the docker context gone (DOCKER_CONTEXT) does not exist')
    expect(gone.hint).toContain('docker context ls')
    context(config, 'lax', { Host: 'tcp://10.0.0.9:2376', SkipTLSVerify: true })
    const lax = await failure(engineEndpoint({ ...env, DOCKER_CONTEXT: 'lax' }))
    expect(lax.message).toContain('skips TLS verification')
    writeFileSync(join(config, 'config.json'), '{ not json')
    const { DOCKER_CONTEXT: _, ...noContext } = env
    expect((await failure(engineEndpoint(noContext))).message).toContain(
      'config.json cannot be read (not valid JSON)',
    )
  })
})
