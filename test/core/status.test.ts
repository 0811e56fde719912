/**
 * src/core/status, called directly with a frozen clock: the state of one secret from its metadata
 * (statusOf), an environment's table with its open rotation jobs (status), and `hush get`'s
 * describe and reveal. Metadata comes from real writes to a files store; jobs from the real journal.
 */
import { readFileSync, rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { gen } from '../../src/core/generate/gen.js'
import { parseManifest } from '../../src/core/manifest/load.js'
import type { SecretSpec } from '../../src/core/manifest/types.js'
import type { Project } from '../../src/core/project.js'
import { Journal, type JournalLine } from '../../src/core/rotate/journal.js'
import { describeSecret, revealSecret } from '../../src/core/status/get.js'
import { lastRotation, status, statusOf } from '../../src/core/status/status.js'
import type { StoredSecret } from '../../src/stores/types.js'
import { FROZEN, project, tmpProject } from '../helpers/project.js'

const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

const MANIFEST = `version: 1
project: stat
environments:
  development: { path: s/dev }
  production: { path: s/prod }
secrets:
  session_key: { generate: base64:32, description: signs session cookies }
  api_key: { generate: base64:32, rotate: 90d }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring, grace: 7d } }
  mirrorless: { generate: base64:32, rotate: { strategy: keyring, mirror: false } }
  signing_key: { generate: ed25519 }
  hf_token: { provide: true }
  prod_only: { provide: true, required: [production] }
  later: { provide: true, optional: true }
`
const DAY = 86_400_000
const at = (days: number, ms = 0) => new Date(FROZEN.getTime() + days * DAY + ms)
const SPECS = parseManifest(MANIFEST, '/nowhere/hush.yaml')
const spec = (name: string): SecretSpec => SPECS.byName.get(name)!
const meta = (extra: Partial<StoredSecret> = {}): StoredSecret => ({
  name: 'x',
  version: 3,
  fingerprint: 'fp0123456789',
  createdAt: FROZEN.toISOString(),
  updatedAt: FROZEN.toISOString(),
  ...extra,
})

/** A generated development environment (values written at FROZEN); `now` is the clock status reads. */
async function generated(now = FROZEN) {
  const dir = tmpProject(MANIFEST)
  made.push(dir)
  await gen(await project(dir))
  return { dir, p: await project(dir, 'development', () => now) }
}

async function put(p: Project, name: string, value: string, when: Date): Promise<void> {
  await p.store.write(name, value, {
    fingerprint: p.fingerprint(value),
    source: 'provided',
    at: when.toISOString(),
    rotated: true,
  })
}

describe('status: one secret from its metadata', () => {
  it('without metadata: optional when not required here, needs-input when provided, else missing', () => {
    expect(statusOf(spec('later'), undefined, 'development', FROZEN)).toEqual({
      secret: 'later',
      source: 'provided',
      state: 'optional',
    })
    expect(statusOf(spec('prod_only'), undefined, 'development', FROZEN).state).toBe('optional')
    expect(statusOf(spec('prod_only'), undefined, 'production', FROZEN).state).toBe('needs-input')
    expect(statusOf(spec('hf_token'), undefined, 'development', FROZEN).state).toBe('needs-input')
    expect(statusOf(spec('session_key'), undefined, 'development', FROZEN)).toEqual({
      secret: 'session_key',
      source: 'generated',
      state: 'missing',
    })
  })

  it('with metadata: version, fingerprint and age from the clock it is given; the last rotation wins over creation', () => {
    const created = meta()
    expect(lastRotation(created)).toBe(FROZEN.toISOString())
    expect(statusOf(spec('session_key'), created, 'development', at(3, 5 * 3_600_000))).toEqual({
      secret: 'session_key',
      source: 'generated',
      state: 'ok',
      version: 3,
      fingerprint: 'fp0123456789',
      age: '3d',
      ageMs: 3 * DAY + 5 * 3_600_000,
    })
    const rotated = meta({ rotatedAt: at(2).toISOString() })
    expect(lastRotation(rotated)).toBe(at(2).toISOString())
    expect(statusOf(spec('session_key'), rotated, 'development', at(2, 90_000))).toMatchObject({
      age: '1m',
      ageMs: 90_000,
    })
  })

  it('a rotation policy adds policy and next date; due exactly now is ok, a millisecond later is overdue', () => {
    const row = (now: Date) => statusOf(spec('api_key'), meta(), 'development', now)
    expect(row(at(1))).toMatchObject({ state: 'ok', policy: '90d replace', nextRotation: '2026-04-01' })
    expect(row(at(90)).state).toBe('ok')
    expect(row(at(90, 1)).state).toBe('overdue')
    expect(statusOf(spec('jwt_secret'), meta(), 'development', at(31))).toMatchObject({
      state: 'overdue',
      policy: '30d keyring',
      nextRotation: '2026-01-31',
    })
  })

  it('without a period there is no policy, no next date, and it is never overdue', () => {
    for (const name of ['session_key', 'mirrorless']) {
      const row = statusOf(spec(name), meta(), 'development', at(10_000))
      expect(row.state).toBe('ok')
      expect(row).not.toHaveProperty('policy')
      expect(row).not.toHaveProperty('nextRotation')
    }
  })
})

describe('status: an environment', () => {
  it('one row per secret in manifest order, read from the primary entry, with the overdue count and the store', async () => {
    const { dir, p } = await generated(at(45))
    await put(p, 'jwt_secret', 'a-fresh-mirror-value', at(44)) // the mirror is not what status reads
    const result = await status(p)
    expect(result.env).toBe('development')
    expect(result.store).toBe(`files ${dir}/s/dev`)
    expect(result.rows.map((r) => [r.secret, r.state])).toEqual([
      ['session_key', 'ok'],
      ['api_key', 'ok'],
      ['jwt_secret', 'overdue'],
      ['mirrorless', 'ok'],
      ['signing_key', 'ok'],
      ['hf_token', 'needs-input'],
      ['prod_only', 'optional'],
      ['later', 'optional'],
    ])
    expect(result.rows.find((r) => r.secret === 'jwt_secret')).toMatchObject({ version: 1, age: '45d' })
    expect(result.overdue).toBe(1)
    expect(result.jobs).toEqual([])
  })

  it('open rotation jobs are listed with failed, stuck and grace-expired flagged; closed jobs and other environments are not', async () => {
    const now = at(10)
    const { p } = await generated(now)
    const journal = new Journal(p.stateDir)
    const job = async (secret: string, id: string, lines: JournalLine[], env = 'development') => {
      for (const line of lines) await journal.append({ env, secret, id }, line)
    }
    const line = (state: JournalLine['state'], when: Date, detail?: JournalLine['detail']): JournalLine => ({
      state,
      at: when.toISOString(),
      ...(detail ? { detail } : {}),
    })
    const hourAgo = new Date(now.getTime() - 3_600_000)
    await job('api_key', 'j1', [line('PLANNED', at(9)), line('FAILED', at(9), { step: 'APPLIED' })])
    await job('session_key', 'j2', [
      line('PLANNED', hourAgo),
      line('GENERATED', new Date(hourAgo.getTime() - 1)),
    ])
    await job('session_key', 'j3', [line('PLANNED', hourAgo), line('GENERATED', hourAgo)])
    await job('jwt_secret', 'j4', [
      line('PROMOTED', at(1)),
      line('GRACE', at(1), { until: at(8).toISOString() }),
    ])
    await job('jwt_secret', 'j5', [
      line('PROMOTED', at(9)),
      line('GRACE', at(9), { until: at(16).toISOString() }),
    ])
    await job('mirrorless', 'j6', [
      line('GRACE', at(1), { until: at(8).toISOString() }),
      line('REVOKED', at(8)),
    ])
    await job('mirrorless', 'j7', [line('PLANNED', at(1)), line('ABORTED', at(1))])
    await job('api_key', 'j8', [line('PLANNED', at(1))], 'production')
    const jobs = await status(p).then((r) => r.jobs)
    const byId = [...jobs].sort((a, b) => a.job.localeCompare(b.job))
    expect(byId.map((j) => [j.secret, j.job, j.state, j.problem])).toEqual([
      ['api_key', 'j1', 'FAILED', 'failed'],
      ['session_key', 'j2', 'GENERATED', 'stuck'], // open for an hour and a millisecond
      ['session_key', 'j3', 'GENERATED', undefined], // open for exactly an hour
      ['jwt_secret', 'j4', 'GRACE', 'grace-expired-not-revoked'],
      ['jwt_secret', 'j5', 'GRACE', undefined],
    ])
    expect(jobs.find((j) => j.job === 'j3')).toEqual({
      secret: 'session_key',
      job: 'j3',
      state: 'GENERATED',
      since: hourAgo.toISOString(),
    })
  })
})

describe('get: describe and reveal one entry', () => {
  it('describes a secret with its metadata, description, env name and store, and no value', async () => {
    const { dir, p } = await generated(at(2))
    await put(p, 'hf_token', 'hf_CANARY_value_0123456789abcdef', at(1))
    const info = await describeSecret(p, 'session_key')
    expect(info).toEqual({
      secret: 'session_key',
      source: 'generated',
      state: 'ok',
      version: 1,
      fingerprint: p.fingerprint((await p.store.read('session_key'))!),
      age: '2d',
      ageMs: 2 * DAY,
      entry: 'session_key',
      env: 'development',
      store: `files ${dir}/s/dev`,
      envName: 'SESSION_KEY',
      description: 'signs session cookies',
      createdAt: FROZEN.toISOString(),
      updatedAt: FROZEN.toISOString(),
      rotatedAt: FROZEN.toISOString(),
    })
    const token = await describeSecret(p, 'hf_token')
    expect(token).toMatchObject({ entry: 'hf_token', state: 'ok', age: '1d', envName: 'HF_TOKEN' })
    expect(token).not.toHaveProperty('description')
    expect(JSON.stringify([info, token])).not.toContain('CANARY')
  })

  it('an entry name describes that entry of its secret; a secret name without its own entry means the primary', async () => {
    const { p } = await generated()
    await put(p, 'jwt_secret_previous', 'an-older-key-value-for-this-test', at(1))
    expect(await describeSecret(p, 'jwt_secret_previous')).toMatchObject({
      secret: 'jwt_secret',
      entry: 'jwt_secret_previous',
      envName: 'JWT_SECRET_PREVIOUS',
      version: 2,
    })
    expect(await describeSecret(p, 'signing_key.pub')).toMatchObject({
      secret: 'signing_key',
      entry: 'signing_key.pub',
    })
    // a key ring with mirror: false has no entry of its own name
    expect(await describeSecret(p, 'mirrorless')).toMatchObject({ entry: 'mirrorless_primary' })
    expect(await describeSecret(p, 'jwt_secret')).toMatchObject({
      entry: 'jwt_secret',
      envName: 'JWT_SECRET',
    })
  })

  it('a secret without a value is described by its state, without timestamps', async () => {
    const { p } = await generated()
    const info = await describeSecret(p, 'hf_token')
    expect(info).toMatchObject({ secret: 'hf_token', state: 'needs-input', entry: 'hf_token' })
    for (const key of ['version', 'fingerprint', 'createdAt', 'updatedAt', 'rotatedAt'])
      expect(info).not.toHaveProperty(key)
  })

  it('an undeclared name is HUSH_E_UNKNOWN_SECRET for describe and reveal, path-like names included', async () => {
    const { p } = await generated()
    for (const name of ['nope', 'session_key_previous', '../s/dev/session_key'])
      for (const run of [describeSecret, revealSecret])
        await expect(run(p, name), name).rejects.toMatchObject({
          code: 'HUSH_E_UNKNOWN_SECRET',
          message: `secret "${name}" is not declared in ${p.manifest.file}`,
        })
  })

  it('reveal returns the value and audits the read with its fingerprint at the injected time, never the value', async () => {
    const { p } = await generated(at(3))
    const value = 'hf_CANARY_revealed_0123456789abcdef'
    await put(p, 'hf_token', value, at(1))
    const before = (await p.audit.entries()).length
    expect(await revealSecret(p, 'hf_token')).toBe(value)
    const entries = await p.audit.entries()
    expect(entries.length).toBe(before + 1)
    expect(entries.at(-1)).toMatchObject({
      action: 'reveal',
      secret: 'hf_token',
      env: 'development',
      fp: p.fingerprint(value),
      actor: 'tester',
      ts: at(3).toISOString(),
    })
    expect(readFileSync(p.audit.path, 'utf8')).not.toContain('CANARY')
    expect((await p.audit.verify()).problems).toEqual([])
  })

  it('revealing an entry without a value is HUSH_E_UNKNOWN_SECRET with a set or gen hint, and audits nothing', async () => {
    const { dir, p } = await generated()
    rmSync(`${dir}/s/dev/session_key`)
    const before = (await p.audit.entries()).length
    await expect(revealSecret(p, 'hf_token')).rejects.toMatchObject({
      code: 'HUSH_E_UNKNOWN_SECRET',
      message: 'hf_token has no value in development',
      hint: 'hush set hf_token',
    })
    await expect(revealSecret(p, 'session_key')).rejects.toMatchObject({ hint: 'hush gen' })
    expect((await p.audit.entries()).length).toBe(before)
  })
})
