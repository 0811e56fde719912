/**
 * A files environment that distributes to a Vault and an AWS environment (`distribute_to:`), against
 * the Vault and Secrets Manager API fixtures (no Vault or AWS runs here): `hush push` reaches both,
 * a rotation writes Vault's new version and stages AWSPENDING at DISTRIBUTED, moves AWSCURRENT at
 * PROMOTED (old → AWSPREVIOUS), resumes after a kill without a second version, and --abort points
 * the sinks back. A target that refuses makes push exit 4 with the other target done.
 */
import { readFileSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { versionIdOf } from '../../src/stores/aws.js'
import { type AwsFixture, startAwsFixture } from '../fixtures/aws-secretsmanager-api.js'
import { startVaultFixture, type VaultFixture } from '../fixtures/vault-api.js'
import { hush, tmpProject } from '../helpers/project.js'

let vault: VaultFixture
let aws: AwsFixture
beforeAll(async () => {
  vault = await startVaultFixture()
  aws = await startAwsFixture()
})
afterAll(async () => {
  await vault.close()
  await aws.close()
})

let n = 0
function setup(vaultAddress = vault.address) {
  const prefix = `devplatform/prod${n++}`
  const dir = tmpProject(`version: 1
project: spread
environments:
  production: { path: s/prod, distribute_to: [vault_prod, aws_prod] }
  vault_prod: { store: vault, address: ${vaultAddress}, prefix: ${prefix} }
  aws_prod: { store: aws, region: eu-west-1, endpoint: ${aws.endpoint}, prefix: ${prefix} }
secrets:
  # no database server runs here: rotating db_password needs --allow-downtime (its URL names a server)
  db_password: { generate: password:24, rotate: 30d }
  database_url: { derive: "postgres://app:{{db_password | url}}@db/app" }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring, grace: 1h } }
`)
  const env = {
    VAULT_TOKEN: vault.token,
    AWS_ACCESS_KEY_ID: 'AKIDFIXTURE',
    AWS_SECRET_ACCESS_KEY: 'fixture-secret',
  }
  const run = Object.assign((...args: string[]) => hush(args, { cwd: dir, env: { ...env } }), { dir })
  const cut = (...args: string[]) => hush(args, { cwd: dir, env: { ...env, HUSH_FAILPOINT: 'DISTRIBUTED' } })
  const local = (entry: string) => readFileSync(join(dir, 's', 'prod', entry), 'utf8')
  const kv = (entry: string) => vault.kv.get(`${prefix}/${entry}`)!.versions
  const vaultValue = (entry: string) => String(kv(entry).at(-1)!.value.value)
  const stages = (entry: string) => aws.stagesOf(`${prefix}/${entry}`)
  const awsCurrent = (entry: string) => {
    const s = aws.secrets.get(`${prefix}/${entry}`)!
    return [...s.versions.values()].find((v) => v.stages.includes('AWSCURRENT'))!.value
  }
  const awsVersions = (entry: string) => aws.secrets.get(`${prefix}/${entry}`)!.versions.size
  return { run, cut, local, kv, vaultValue, stages, awsCurrent, awsVersions }
}

describe('distribute_to: a files environment mirrored to Vault and AWS (API fixtures)', () => {
  it('push without --to reaches every target; a second push changes nothing', async () => {
    const { run, local, vaultValue, awsCurrent } = setup()
    expect((await run('gen', '-q', '-e', 'production')).code).toBe(0)
    const first = await run('push', '-e', 'production')
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('production → vault_prod')
    expect(first.stdout).toContain('production → aws_prod')
    expect(vaultValue('db_password')).toBe(local('db_password'))
    expect(awsCurrent('db_password')).toBe(local('db_password'))
    const again = await run('push', '-e', 'production', '--json')
    const doc = JSON.parse(again.stdout)
    expect(doc.targets.map((t: { counts: { unchanged: number } }) => t.counts.unchanged)).toEqual([5, 5])
    expect(first.stdout + first.stderr).not.toContain(local('db_password'))
    // check does not call a mirror "reused"
    expect((await run('check', '-e', 'production', '--json')).stdout).not.toContain('"reused"')
  })

  it('a rotation writes Vault at DISTRIBUTED, stages AWSPENDING, and moves AWSCURRENT at PROMOTED; a resume adds nothing', async () => {
    const { run, cut, local, kv, vaultValue, stages, awsCurrent, awsVersions } = setup()
    expect((await run('gen', '-q', '-e', 'production')).code).toBe(0)
    expect((await run('push', '-e', 'production')).code).toBe(0)
    const old = local('db_password')
    const [first] = Object.keys(stages('db_password'))
    // killed right after DISTRIBUTED is journaled
    const killed = await cut('rotate', 'db_password', '--allow-downtime', '-e', 'production')
    expect(killed.code).not.toBe(0)
    expect(local('db_password')).toBe(old)
    expect(kv('db_password')).toHaveLength(2)
    const fresh = vaultValue('db_password')
    expect(fresh).not.toBe(old)
    expect(vaultValue('database_url')).toContain(encodeURIComponent(fresh))
    const pending = Object.keys(stages('db_password')).find((v) =>
      stages('db_password')[v]!.includes('AWSPENDING'),
    )
    expect(stages('db_password')[first!]).toEqual(['AWSCURRENT'])
    expect(pending).toBeDefined()
    expect(awsCurrent('db_password')).toBe(old)
    const resumed = await run('rotate', 'db_password', '-e', 'production', '--resume')
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(local('db_password')).toBe(fresh)
    expect(stages('db_password')).toEqual({ [first!]: ['AWSPREVIOUS'], [pending!]: ['AWSCURRENT'] })
    expect(pending).toBe(
      versionIdOf(
        'db_password',
        JSON.parse((await run('get', 'db_password', '-e', 'production', '--json')).stdout).fingerprint,
      ),
    )
    expect(awsCurrent('database_url')).toBe(local('database_url'))
    expect(kv('db_password')).toHaveLength(2) // the resume wrote no second Vault version
    expect(awsVersions('db_password')).toBe(2)
    for (const r of [killed, resumed]) expect(r.stdout + r.stderr).not.toContain(fresh)
  })

  it('a key ring reaches the sinks: primary, previous and the mirror match the local store after the rotation', async () => {
    const { run, local, vaultValue, awsCurrent } = setup()
    expect((await run('gen', '-q', '-e', 'production')).code).toBe(0)
    expect((await run('push', '-e', 'production')).code).toBe(0)
    const oldKey = local('jwt_secret_primary')
    const r = await run('rotate', 'jwt_secret', '-e', 'production')
    expect(r.code, r.stderr).toBe(0)
    for (const entry of ['jwt_secret_primary', 'jwt_secret_previous', 'jwt_secret']) {
      expect(vaultValue(entry), entry).toBe(local(entry))
      expect(awsCurrent(entry), entry).toBe(local(entry))
    }
    expect(local('jwt_secret_previous')).toBe(oldKey)
  })

  it('--abort after DISTRIBUTED points Vault back at the current value; AWSCURRENT never moved', async () => {
    const { run, cut, local, vaultValue, awsCurrent } = setup()
    expect((await run('gen', '-q', '-e', 'production')).code).toBe(0)
    expect((await run('push', '-e', 'production')).code).toBe(0)
    const old = local('db_password')
    expect((await cut('rotate', 'db_password', '--allow-downtime', '-e', 'production')).code).not.toBe(0)
    expect(vaultValue('db_password')).not.toBe(old)
    const aborted = await run('rotate', 'db_password', '-e', 'production', '--abort')
    expect(aborted.code, aborted.stderr).toBe(0)
    expect(vaultValue('db_password')).toBe(old)
    expect(vaultValue('database_url')).toBe(local('database_url'))
    expect(awsCurrent('db_password')).toBe(old)
  })

  it('a target that refuses makes push exit 4, with the other target done', async () => {
    const { run, local, vaultValue } = setup()
    expect((await run('gen', '-q', '-e', 'production')).code).toBe(0)
    aws.failWritesAfter = 0
    const r = await run('push', '-e', 'production')
    aws.failWritesAfter = undefined
    expect(r.code).toBe(4)
    expect(r.stderr).toContain('HUSH_E_AWS')
    expect(r.stdout).toContain('pushed to 1 of 2 targets; failed: aws_prod')
    expect(vaultValue('db_password')).toBe(local('db_password'))
  })

  it('doctor says which mirror differs, and which one refuses the credentials', async () => {
    const { run, local } = setup()
    expect((await run('gen', '-q', '-e', 'production')).code).toBe(0)
    expect((await run('push', '-e', 'production', '--to', 'vault_prod')).code).toBe(0)
    const before = await run('doctor', '-e', 'production', '--json')
    const probes = JSON.parse(before.stdout).probes as { check: string; status: string; message: string }[]
    expect(probes.find((p) => p.check === 'mirror vault_prod')).toMatchObject({ status: 'ok' })
    expect(probes.find((p) => p.check === 'mirror aws_prod')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('db_password'),
    })
    const refused = await hush(['doctor', '-e', 'production'], {
      cwd: run.dir,
      env: {
        VAULT_TOKEN: 'wrong',
        AWS_ACCESS_KEY_ID: 'AKIDFIXTURE',
        AWS_SECRET_ACCESS_KEY: 'fixture-secret',
      },
    })
    expect(refused.stdout).toContain('HUSH_E_VAULT')
    expect(refused.stdout + refused.stderr).not.toContain(local('db_password'))
  })

  it('distribute_to naming an unknown environment or itself is a manifest error', async () => {
    const dir = tmpProject(`version: 1
project: p
environments:
  production: { distribute_to: [production, nowhere] }
secrets:
  a: { generate: hex:16 }
`)
    const r = await hush(['check', '-e', 'production'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(
      'environments.production.distribute_to.0: an environment cannot distribute to itself',
    )
    expect(r.stderr).toContain('environments.production.distribute_to.1: unknown environment "nowhere"')
  })

  it('a mirror that goes unreachable mid-rotation: --abort restores locally, status names it, the next push repairs it', async () => {
    const proxy = await switchableProxy(vault.address)
    try {
      const { run, local, vaultValue, awsCurrent } = setup(proxy.address)
      expect((await run('gen', '-q', '-e', 'production')).code).toBe(0)
      expect((await run('push', '-e', 'production')).code).toBe(0)
      const old = local('db_password')
      // DISTRIBUTED writes Vault, then AWS refuses: the job is FAILED with Vault holding the new value
      aws.failWritesAfter = 0
      const failed = await run('rotate', 'db_password', '--allow-downtime', '-e', 'production')
      aws.failWritesAfter = undefined
      expect(failed.code).not.toBe(0)
      expect(vaultValue('db_password')).not.toBe(old)
      // now Vault cannot be reached at all: abort must still end the job
      await proxy.down()
      const aborted = await run('rotate', 'db_password', '-e', 'production', '--abort')
      expect(aborted.code, aborted.stderr).toBe(0)
      expect(aborted.stdout + aborted.stderr, aborted.stdout + aborted.stderr).toContain(
        'vault_prod: unreachable, recorded for repair',
      )
      expect(local('db_password')).toBe(old)
      expect(awsCurrent('db_password')).toBe(old)
      const st = await run('status', '-e', 'production', '--check')
      expect(st.code).toBe(3)
      expect(st.stdout).toContain('mirrors needing repair')
      expect(st.stdout).toContain('vault_prod')
      expect(JSON.parse((await run('status', '-e', 'production', '--json')).stdout).repairs).toMatchObject([
        { env: 'production', mirror: 'vault_prod', code: 'HUSH_E_VAULT' },
      ])
      // Vault is back: a dry run shows the repair, the push makes it, and status is clean again
      await proxy.up()
      const dry = await run('push', '-e', 'production', '--dry-run')
      expect(dry.stdout).toContain('needs repair: left behind by the abort of rotation job')
      const push = await run('push', '-e', 'production')
      expect(push.code, push.stderr).toBe(0)
      expect(push.stdout).toContain('repaired: left behind by the abort of rotation job')
      expect(vaultValue('db_password')).toBe(old)
      expect(vaultValue('database_url')).toBe(local('database_url'))
      expect((await run('status', '-e', 'production', '--check')).code).toBe(0)
      for (const r of [failed, aborted, st, dry, push]) expect(r.stdout + r.stderr).not.toContain(old)
    } finally {
      await proxy.close()
    }
  })
})

/** A TCP proxy in front of an API fixture that can be switched off: it stops listening, so connections are refused. */
async function switchableProxy(target: string) {
  const { hostname, port } = new URL(target)
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port: listening } = server.address() as { port: number }
  const stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy() // kept-alive connections go too
      server.close(() => r())
    })
  return {
    address: `http://127.0.0.1:${listening}`,
    down: stop,
    up: () => new Promise<void>((r) => server.listen(listening, '127.0.0.1', r)),
    close: () => (server.listening ? stop() : Promise.resolve()),
  }
}
