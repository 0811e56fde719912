/**
 * Compose overrides stay true, on the real engine in swarm mode: `hush export compose` remembers the
 * override it wrote, rotation and push rewrite it to name the versions the services mount, a
 * `docker stack deploy` with it keeps the service there, and doctor flags one that went stale. The
 * override declares the base compose file's `version:` (or none), so `docker stack deploy` and
 * Debian's `docker-compose config` merge the two.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { hush, tmpProject } from '../helpers/project.js'
import {
  cleanSwarm,
  docker,
  mountsOf,
  nodeImage,
  swarmAvailable,
  uniquePrefix,
  waitRunning,
} from '../helpers/swarm.js'

const cleanups: (() => Promise<void>)[] = []
// PID 1 ignores SIGTERM without a handler: exit on it, so that rolling updates do not wait for SIGKILL
const idle = ['/bin/node', '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1e9)"]

function setup() {
  const prefix = uniquePrefix('ovr')
  cleanups.push(async () => {
    docker(['stack', 'rm', prefix])
    await cleanSwarm(prefix, [`${prefix}_api`])
  })
  const dir = tmpProject(`version: 1
project: ${prefix}
environments:
  production: { store: swarm, converge_timeout: 90s }
secrets:
  session_key: { generate: base64:32 }
  db_password: { generate: password:24, rotate: { every: 30d, consumers: restart } }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring, grace: 1h } }
services:
  api: [session_key, db_password, jwt_secret]
`)
  const run = (...args: string[]) => hush([...args, '-e', 'production'], { cwd: dir })
  /** entry → the swarm secret the override names */
  const named = (file: string): Record<string, string> =>
    Object.fromEntries(
      Object.entries(
        parse(readFileSync(join(dir, file), 'utf8')).secrets as Record<string, { name: string }>,
      ).map(([entry, s]) => [entry, s.name]),
    )
  const existing = () =>
    docker(['secret', 'ls', '--format', '{{.Name}}', '--filter', `label=hush.project=${prefix}`]).split('\n')
  /** the newest version of an entry the swarm holds */
  const newest = (entry: string) =>
    existing()
      .filter((n) => new RegExp(`^${prefix}_${entry}_v\\d+$`).test(n))
      .sort((a, b) => Number(a.split('_v').at(-1)) - Number(b.split('_v').at(-1)))
      .at(-1)
  return { prefix, dir, run, named, existing, newest }
}

/** `docker stack deploy` of compose files merged in order, with the locally built image (no registry). */
function stackDeploy(stack: string, files: readonly string[]): void {
  docker([
    'stack',
    'deploy',
    '--detach=true',
    '--resolve-image',
    'never',
    ...files.flatMap((f) => ['-c', f]),
    stack,
  ])
}

describe.runIf(swarmAvailable())('compose overrides stay true (real engine)', () => {
  let image = ''
  beforeAll(() => {
    image = nodeImage()
  })
  afterAll(async () => {
    for (const c of cleanups) await c()
  }, 120_000)

  it('rotate and push rewrite the remembered override; a stack deployed with it stays on the new versions', async () => {
    const { prefix, dir, run, named, existing, newest } = setup()
    const file = 'deploy/docker-compose.hush.yml'
    expect((await run('gen', '-q')).code).toBe(0)
    expect((await run('push')).code).toBe(0)
    const exported = await run('export', 'compose', '-o', file)
    expect(exported.code, exported.stderr).toBe(0)
    expect(exported.stdout).toContain('hush push and hush rotate keep it current')
    const registry = join(dir, '.hush', 'overrides.json')
    expect(JSON.parse(readFileSync(registry, 'utf8'))).toEqual({
      version: 1,
      overrides: [{ path: file, env: 'production' }],
    })
    expect(statSync(registry).mode & 0o777).toBe(0o600)

    writeFileSync(
      join(dir, 'docker-compose.yml'),
      `services:\n  api:\n    image: ${image}\n    command: ${JSON.stringify(idle)}\n    deploy: { update_config: { monitor: 2s } }\n`,
    )
    const api = `${prefix}_api`
    const deploy = async () => {
      stackDeploy(prefix, [join(dir, 'docker-compose.yml'), join(dir, file)])
      await waitRunning(api)
    }
    await deploy()
    expect(mountsOf(api)).toEqual(named(file))

    // (a) a rotation run to REVOKED: the old version is gone, the override names the new one
    const pw = await run('rotate', 'db_password')
    expect(pw.code, pw.stderr).toBe(0)
    expect(pw.stdout).toContain(`compose override rewritten: ${file}`)
    expect(named(file).db_password).toBe(`${prefix}_db_password_v2`)
    expect(existing()).not.toContain(`${prefix}_db_password_v1`)
    expect(mountsOf(api)).toEqual(named(file))

    // a key ring in GRACE: the old primary came back as previous (an older version), as the service mounts it
    const jwt = await run('rotate', 'jwt_secret')
    expect(jwt.code, jwt.stderr).toBe(0)
    expect(jwt.stdout).toContain('(GRACE)')
    expect(mountsOf(api)).toEqual(named(file))
    const retire = await run('rotate', '--retire', 'jwt_secret')
    expect(retire.code, retire.stderr).toBe(0)
    expect(mountsOf(api)).toEqual(named(file))
    for (const [entry, name] of Object.entries(named(file))) expect(name, entry).toBe(newest(entry))

    // (b) a new value, pushed: the override follows
    expect((await run('gen', 'session_key', '--force', '-q')).code).toBe(0)
    const pushed = await run('push')
    expect(pushed.code, pushed.stderr).toBe(0)
    expect(pushed.stdout).toContain(`compose override rewritten: ${file}`)
    expect(named(file).session_key).toBe(`${prefix}_session_key_v2`)
    for (const [entry, name] of Object.entries(named(file))) expect(name, entry).toBe(newest(entry))
    const again = await run('push')
    expect(again.stdout).not.toContain('compose override')

    // (c) redeploying with the rewritten override keeps the service on the new versions
    const before = mountsOf(api)
    await deploy()
    expect(mountsOf(api)).toEqual(before)
    expect(mountsOf(api)).toMatchObject({
      session_key: `${prefix}_session_key_v2`,
      db_password: `${prefix}_db_password_v2`,
      jwt_secret_primary: `${prefix}_jwt_secret_primary_v2`,
    })
    const doctor = await run('doctor')
    expect(doctor.stdout).toMatch(new RegExp(`ok\\s+compose override: ${file} names the current secrets`))
  }, 300_000)

  it('doctor flags a stale override; stdout is not remembered; a deleted override is forgotten', async () => {
    const { prefix, dir, run } = setup()
    const file = 'docker-compose.hush.yml'
    expect((await run('gen', '-q')).code).toBe(0)
    expect((await run('push')).code).toBe(0)
    expect((await run('export', 'compose', '-o', '-')).code).toBe(0)
    expect(existsSync(join(dir, '.hush', 'overrides.json'))).toBe(false)
    expect((await run('export', 'compose', '-o', file)).code).toBe(0)
    const old = readFileSync(join(dir, file), 'utf8')
    expect((await run('gen', 'session_key', '--force', '-q')).code).toBe(0)
    expect((await run('push')).code).toBe(0)
    expect((await run('doctor')).stdout).toMatch(/ok\s+compose override: docker-compose\.hush\.yml names/)

    // the override as it was before the push, put back by hand: v1 still exists, but is superseded
    writeFileSync(join(dir, file), old)
    const stale = await run('doctor')
    expect(stale.code).toBe(1)
    expect(stale.stdout).toContain(
      `FAIL compose override: ${file} names superseded swarm secrets: session_key → ${prefix}_session_key_v1 (current: ${prefix}_session_key_v2)`,
    )
    expect(stale.stdout).toContain(`fix: hush export compose -e production -o ${file}`)
    // once pruned, v1 does not exist at all
    expect((await run('push', '--prune')).code).toBe(0)
    writeFileSync(join(dir, file), old)
    const gone = await run('doctor')
    expect(gone.stdout).toContain(`${file} names swarm secrets that do not exist: ${prefix}_session_key_v1`)

    const rewritten = await run('push')
    expect(rewritten.stdout).toContain(`compose override rewritten: ${file}`)
    expect((await run('doctor')).stdout).toMatch(/ok\s+compose override/)

    rmSync(join(dir, file))
    const forgot = await run('push')
    expect(forgot.stdout).toContain(`compose override deleted, forgotten: ${file}`)
    expect(JSON.parse(readFileSync(join(dir, '.hush', 'overrides.json'), 'utf8')).overrides).toEqual([])
  }, 240_000)

  for (const version of ['3.8', undefined])
    it(`a base under docker/ declaring ${version ? `version: "${version}"` : 'no version'} merges with the override: stack deploy starts a service that mounts its secrets`, async () => {
      const { prefix, dir, run } = setup()
      mkdirSync(join(dir, 'docker'))
      const base = join(dir, 'docker', 'docker-compose.yml')
      writeFileSync(
        base,
        `${version ? `version: "${version}"\n` : ''}services:\n  api:\n    image: ${image}\n    command: ${JSON.stringify(idle)}\n`,
      )
      expect((await run('gen', '-q')).code).toBe(0)
      expect((await run('push')).code).toBe(0)
      const file = 'docker/docker-compose.hush.yml'
      const exported = await run('export', 'compose', '-o', file)
      expect(exported.code, exported.stderr).toBe(0)
      const text = readFileSync(join(dir, file), 'utf8')
      expect(parse(text).version).toBe(version)
      // the header names the base where it is
      expect(text).toContain(`# use: docker stack deploy -c docker/docker-compose.yml -c ${file} <stack>`)
      stackDeploy(prefix, [base, join(dir, file)])
      await waitRunning(`${prefix}_api`)
      expect(Object.keys(mountsOf(`${prefix}_api`)).sort()).toEqual([
        'db_password',
        'jwt_secret',
        'jwt_secret_previous',
        'jwt_secret_primary',
        'session_key',
      ])
      // Debian's docker-compose (1.29) merges them too
      if (process.env.CI === 'true' || existsSync('/usr/bin/docker-compose'))
        execFileSync('docker-compose', ['-f', base, '-f', join(dir, file), 'config', '-q'], { cwd: dir })
    }, 180_000)
})
