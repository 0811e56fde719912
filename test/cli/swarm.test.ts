/**
 * push, pull, export compose, doctor and rotation against the real Docker engine in swarm mode:
 * services created from a locally imported image mount the secrets hush pushed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { type CliResult, hush, tmpProject } from '../helpers/project.js'
import {
  cleanSwarm,
  createService,
  docker,
  mountsOf,
  nodeImage,
  swarmAvailable,
  uniquePrefix,
} from '../helpers/swarm.js'

const cleanups: (() => Promise<void>)[] = []
const idle = ['/bin/node', '-e', 'setInterval(() => {}, 1e9)']

function setup(extra = '') {
  const prefix = uniquePrefix('cli')
  const services: string[] = []
  cleanups.push(() => cleanSwarm(prefix, services))
  const dir = tmpProject(`version: 1
project: ${prefix}
environments:
  production: { store: swarm, converge_timeout: 90s }
secrets:
  session_key: { generate: base64:32, rotate: { consumers: restart } }
  # no database server runs here: rotating db_password needs --allow-downtime (its URL names a server)
  db_password: { generate: password:24, rotate: 30d }
  database_url: { derive: "postgres://app:{{db_password | url}}@db/app" }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring, grace: 1h } }
services:
  api: [session_key, database_url, jwt_secret]
${extra}`)
  const run = (...args: string[]) => hush([...args, '-e', 'production'], { cwd: dir })
  const value = (entry: string) => readFileSync(join(dir, '.secrets', 'production', entry), 'utf8')
  return { prefix, dir, run, value, services }
}

function expectNoValues(r: CliResult, values: readonly string[]) {
  for (const v of values) {
    expect(r.stdout).not.toContain(v)
    expect(r.stderr).not.toContain(v)
  }
}

describe.runIf(swarmAvailable())('swarm environments on the real engine', () => {
  let image = ''
  beforeAll(() => {
    image = nodeImage() // imported only where the engine runs: describe bodies run even when skipped
  })
  afterAll(async () => {
    for (const c of cleanups) await c()
  }, 120_000)

  it('push plans by fingerprint, is idempotent, moves services to a new version at the same path, and prunes only unused versions', async () => {
    const { prefix, run, value, services } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    const dry = await run('push', '--dry-run', '--json')
    expect(dry.code, dry.stderr).toBe(0)
    const plan = JSON.parse(dry.stdout)
    expect(plan.counts).toMatchObject({ created: 6, updated: 0, unchanged: 0 })
    expect(docker(['secret', 'ls', '-q', '--filter', `label=hush.project=${prefix}`])).toBe('')

    const first = await run('push')
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('6 created, 0 updated, 0 unchanged')
    const labels = JSON.parse(
      docker(['secret', 'inspect', `${prefix}_session_key_v1`, '--format', '{{json .Spec.Labels}}']),
    )
    expect(labels).toMatchObject({
      'hush.project': prefix,
      'hush.secret': 'session_key',
      'hush.version': '1',
    })
    expect(labels['hush.fingerprint']).toMatch(/^[0-9a-f]{12}$/)
    const again = await run('push')
    expect(again.stdout).toContain('0 created, 0 updated, 6 unchanged')

    const api = `${prefix}_api`
    services.push(api, `${prefix}_other`)
    await createService({
      name: api,
      image,
      command: idle,
      secrets: [
        { source: `${prefix}_session_key_v1`, target: 'session_key' },
        { source: `${prefix}_database_url_v1`, target: 'database_url' },
      ],
    })
    // a new value: v2 is created and the service moves to it at the same target
    const old = value('session_key')
    expect((await run('gen', 'session_key', '--force', '-q')).code).toBe(0)
    const moved = await run('push')
    expect(moved.code, moved.stderr).toBe(0)
    expect(moved.stdout).toContain(`~  session_key`)
    expect(moved.stdout).toContain(`services updated: ${api}`)
    expect(mountsOf(api)).toEqual({
      session_key: `${prefix}_session_key_v2`,
      database_url: `${prefix}_database_url_v1`,
    })
    expectNoValues(moved, [old, value('session_key'), value('database_url')])

    // a secret hush.yaml no longer declares, still mounted by a service: prune keeps it
    const plant = (entry: string) =>
      docker(
        [
          'secret',
          'create',
          '--label',
          `hush.project=${prefix}`,
          '--label',
          `hush.secret=${entry}`,
          '--label',
          'hush.version=1',
          `${prefix}_${entry}_v1`,
          '-',
        ],
        `x-${entry}`,
      )
    plant('legacy_token')
    plant('gone_token')
    await createService({
      name: `${prefix}_other`,
      image,
      command: idle,
      secrets: [{ source: `${prefix}_legacy_token_v1`, target: 'legacy_token' }],
    })
    const prune = await run('push', '--prune', '--json')
    expect(prune.code, prune.stderr).toBe(0)
    const rows = JSON.parse(prune.stdout).rows as { entry: string; action: string; object?: string }[]
    expect(
      rows
        .filter((r) => r.action === '-')
        .map((r) => r.object)
        .sort(),
    ).toEqual([`${prefix}_gone_token_v1`, `${prefix}_session_key_v1`])
    expect(rows.find((r) => r.entry === 'legacy_token')?.action).toBe('in-use')
    const left = docker(['secret', 'ls', '--format', '{{.Name}}', '--filter', `label=hush.project=${prefix}`])
    expect(left).toContain(`${prefix}_legacy_token_v1`)
    expect(left).not.toContain(`${prefix}_session_key_v1`)
    expect(left).not.toContain(`${prefix}_gone_token_v1`)

    // pull: metadata only, and it says so
    const pull = await run('pull', '--from', 'swarm')
    expect(pull.code).toBe(0)
    expect(pull.stdout).toContain('Swarm never returns secret values: nothing was imported')
    expect(pull.stdout).toMatch(/session_key\s+v2\s+\w{12}\s+\w{12}\s+same/)
  }, 180_000)

  it('export compose names the pushed versions, docker stack deploy accepts it, and doctor reports missing mounts', async () => {
    const { prefix, dir, run, services } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    const before = await run('export', 'compose', '-o', 'hush.yml')
    expect(before.code).toBe(2)
    expect(before.stderr).toContain('has not been pushed to the swarm yet')
    expect((await run('push')).code).toBe(0)
    const r = await run('export', 'compose', '-o', 'docker-compose.hush.yml')
    expect(r.code, r.stderr).toBe(0)
    const doc = parse(readFileSync(join(dir, 'docker-compose.hush.yml'), 'utf8'))
    expect(doc.secrets.jwt_secret_primary).toEqual({
      external: true,
      name: `${prefix}_jwt_secret_primary_v1`,
    })
    expect(doc.services.api.environment.DATABASE_URL_FILE).toBe('/run/secrets/database_url')
    writeFileSync(
      join(dir, 'docker-compose.yml'),
      `services:\n  api:\n    image: ${image}\n    command: ${JSON.stringify(idle)}\n`,
    )
    const stack = prefix
    services.push(`${stack}_api`)
    cleanups.push(async () => {
      docker(['stack', 'rm', stack])
    })
    docker([
      'stack',
      'deploy',
      '--detach=true',
      '-c',
      join(dir, 'docker-compose.yml'),
      '-c',
      join(dir, 'docker-compose.hush.yml'),
      stack,
    ])
    expect(Object.keys(mountsOf(`${stack}_api`)).sort()).toEqual(
      ['database_url', 'jwt_secret', 'jwt_secret_previous', 'jwt_secret_primary', 'session_key'].sort(),
    )
    const healthy = await run('doctor')
    expect(healthy.stdout).toMatch(/ok\s+swarm services/)
    docker([
      'service',
      'update',
      '--detach',
      '--secret-rm',
      `${prefix}_jwt_secret_previous_v1`,
      `${stack}_api`,
    ])
    const sick = await run('doctor')
    expect(sick.code).toBe(1)
    expect(sick.stdout).toContain(`service ${stack}_api does not mount jwt_secret_previous`)
  }, 180_000)

  it('rotation moves the services at DISTRIBUTED and deletes the old version only at REVOKED', async () => {
    const { prefix, run, services } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    expect((await run('push')).code).toBe(0)
    const api = `${prefix}_api`
    services.push(api)
    await createService({
      name: api,
      image,
      command: idle,
      secrets: [
        { source: `${prefix}_db_password_v1`, target: 'db_password' },
        { source: `${prefix}_database_url_v1`, target: 'database_url' },
        { source: `${prefix}_jwt_secret_primary_v1`, target: 'jwt_secret_primary' },
        { source: `${prefix}_jwt_secret_previous_v1`, target: 'jwt_secret_previous' },
      ],
    })
    const pw = await run('rotate', 'db_password', '--allow-downtime')
    expect(pw.code, pw.stderr).toBe(0)
    // the derived URL follows the password; same target paths
    expect(mountsOf(api)).toMatchObject({
      db_password: `${prefix}_db_password_v2`,
      database_url: `${prefix}_database_url_v2`,
    })
    const jwt = await run('rotate', 'jwt_secret')
    expect(jwt.code, jwt.stderr).toBe(0)
    expect(jwt.stdout).toContain('(GRACE)')
    // during GRACE: primary is new, previous holds the old primary (v1 reused), the old objects still exist
    expect(mountsOf(api)).toMatchObject({
      jwt_secret_primary: `${prefix}_jwt_secret_primary_v2`,
      jwt_secret_previous: `${prefix}_jwt_secret_previous_v1`,
    })
    const names = () =>
      docker(['secret', 'ls', '--format', '{{.Name}}', '--filter', `label=hush.project=${prefix}`])
    expect(names()).toContain(`${prefix}_jwt_secret_primary_v1`)
    const retire = await run('rotate', '--retire', 'jwt_secret')
    expect(retire.code, retire.stderr).toBe(0)
    expect(mountsOf(api)).toMatchObject({ jwt_secret_previous: `${prefix}_jwt_secret_previous_v2` })
    expect(names()).not.toContain(`${prefix}_jwt_secret_primary_v1`)
    expect(names()).not.toContain(`${prefix}_jwt_secret_previous_v1`)
  }, 240_000)

  it('rotation updates a service start-first where two tasks can overlap and puts its own order back; the dry run says how each restarts', async () => {
    const { prefix, run, services } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    expect((await run('push')).code).toBe(0)
    const api = `${prefix}_api`
    const db = `${prefix}_db`
    services.push(api, db)
    await createService({
      name: api,
      image,
      command: idle,
      hostNetwork: false,
      secrets: [{ source: `${prefix}_database_url_v1`, target: 'database_url' }],
    })
    const data = mkdtempSync(join(tmpdir(), 'hush-data-'))
    cleanups.push(async () => rmSync(data, { recursive: true, force: true }))
    await createService({
      name: db,
      image,
      command: idle,
      hostNetwork: false,
      secrets: [{ source: `${prefix}_db_password_v1`, target: 'db_password' }],
      extra: ['--mount', `type=bind,source=${data},target=/var/lib/data`],
    })
    const reason = 'its single task mounts /var/lib/data writable'
    // the plan names the services of the password and of the URL derived from it
    const plan = await run('rotate', 'db_password', '--dry-run')
    expect(plan.stdout).toContain(`restarts ${api} (start-first), ${db} (stop-first: ${reason})`)
    const r = await run('rotate', 'db_password', '--allow-downtime')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`service ${api}: updating, start-first\n`)
    expect(r.stderr).toContain(`warning: service ${db} restarts stop-first (${reason})`)
    expect(mountsOf(api)).toEqual({ database_url: `${prefix}_database_url_v2` })
    // hush's update ran start-first (the spec before the order was put back); the service's own order is back
    const order = (name: string, spec: string) =>
      docker(['service', 'inspect', name, '--format', `{{.${spec}.UpdateConfig.Order}}`])
    expect(order(api, 'PreviousSpec')).toBe('start-first')
    expect(order(api, 'Spec')).toBe('stop-first')
    expect(order(db, 'Spec')).toBe('stop-first')
    // the switch carried the record of the service's own order (a label), and the restore removed it
    const labels = (name: string, spec: string) =>
      docker(['service', 'inspect', name, '--format', `{{json .${spec}.Labels}}`])
    expect(labels(api, 'PreviousSpec')).toContain('hush.own-update-config')
    expect(labels(api, 'Spec')).not.toContain('hush.own-update-config')
    // a run cut off between the switch and the restore: the next push puts the service's own order back
    const own = JSON.stringify({ Parallelism: 1, FailureAction: 'pause', Order: 'stop-first' })
    docker([
      'service',
      'update',
      '-q',
      '--detach',
      '--label-add',
      `hush.own-update-config=${own}`,
      '--update-order',
      'start-first',
      api,
    ])
    expect(order(api, 'Spec')).toBe('start-first')
    expect((await run('push')).code).toBe(0)
    expect(order(api, 'Spec')).toBe('stop-first')
    expect(labels(api, 'Spec')).not.toContain('hush.own-update-config')
  }, 180_000)

  it('a rotation killed after it distributed, before journaling it, resumes without a second version', async () => {
    const { prefix, dir, run } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    expect((await run('push')).code).toBe(0)
    const killed = await hush(['rotate', 'db_password', '--allow-downtime', '-e', 'production'], {
      cwd: dir,
      env: { HUSH_FAILPOINT: 'before:DISTRIBUTED' },
    })
    expect(killed.code).not.toBe(0)
    const resumed = await run('rotate', 'db_password', '--resume')
    expect(resumed.code, resumed.stderr).toBe(0)
    const names = docker([
      'secret',
      'ls',
      '--format',
      '{{.Name}}',
      '--filter',
      `label=hush.project=${prefix}`,
    ])
      .split('\n')
      .sort()
    // one new version of the password and of the URL derived from it; the old ones dropped at REVOKED
    expect(names.filter((n) => /db_password|database_url/.test(n))).toEqual([
      `${prefix}_database_url_v2`,
      `${prefix}_db_password_v2`,
    ])
  }, 120_000)

  it('a service that does not converge is rolled back, the job is FAILED, and --abort leaves the old value everywhere', async () => {
    const { prefix, run, value, services } = setup()
    expect((await run('gen', '-q')).code).toBe(0)
    expect((await run('push')).code).toBe(0)
    const api = `${prefix}_api`
    services.push(api)
    // the app refuses to start with any session key but the one it was deployed with
    const { createHash } = await import('node:crypto')
    const sha = createHash('sha256').update(value('session_key')).digest('hex')
    await createService({
      name: api,
      image,
      command: [
        '/bin/node',
        '-e',
        `const v = require('fs').readFileSync('/run/secrets/session_key'); if (require('crypto').createHash('sha256').update(v).digest('hex') !== process.env.WANT) process.exit(3); setInterval(() => {}, 1e9)`,
      ],
      env: { WANT: sha },
      secrets: [{ source: `${prefix}_session_key_v1`, target: 'session_key' }],
    })
    const r = await run('rotate', 'session_key')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('HUSH_E_DISTRIBUTE')
    expect(r.stderr).toContain(`service ${api} did not converge`)
    expect(mountsOf(api)).toEqual({ session_key: `${prefix}_session_key_v1` })
    const status = await run('status', '--json')
    expect(JSON.parse(status.stdout).jobs[0]).toMatchObject({ secret: 'session_key', state: 'FAILED' })
    const abort = await run('rotate', 'session_key', '--abort')
    expect(abort.code, abort.stderr).toBe(0)
    expect(mountsOf(api)).toEqual({ session_key: `${prefix}_session_key_v1` })
    expect(
      docker(['secret', 'ls', '--format', '{{.Name}}', '--filter', `label=hush.project=${prefix}`]),
    ).not.toContain(`${prefix}_session_key_v2`)
  }, 240_000)
})
