/**
 * `hush unseal` trusts no bundle because it decrypts: against the real `age` CLI, a replayed older
 * bundle, another project's bundle, a future-dated one, forgeries (unsigned, an unlisted signer, a
 * listed signature over changed content), a tampered ciphertext and signed bundles that break
 * hush.yaml (pattern, fixed, derived, key ring) are all refused with nothing written, and no
 * output ever holds a value.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  type Bundle,
  type BundleEntry,
  parseBundle,
  renderBundle,
  signBundle,
} from '../../src/lib/sealed-bundle.js'
import { generateSigningKey, parseSigningKey, type SigningKey } from '../../src/lib/signing.js'
import { type CliResult, hush, tmpProject } from '../helpers/project.js'
import { available } from '../helpers/servers.js'

const MANIFEST = `version: 1
project: trusty
environments:
  development: { path: s/dev }
  restore: { path: s/restore }
secrets:
  api_token: { provide: true, pattern: '^tok_[A-Za-z0-9]+$' }
  db_user: { value: app }
  db_password: { generate: password:24 }
  db_url: { derive: "postgresql://{{db_user}}:{{db_password | url}}@db/app" }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring } }
`
/** Planted in the store and in every forged bundle: it must appear in no output. */
const CANARY = 'tok_CANARYtrust0123456789' // hush:allow (a planted canary)
const FORGED = 'tok_CANARYforged987654321' // hush:allow (a planted canary)
const T1 = '2026-03-01T00:00:00.000Z'
const T2 = '2026-03-02T00:00:00.000Z'
const T3 = '2026-03-03T00:00:00.000Z'

const haveAge = available('age')

/** A project with one teammate: an age identity and a listed signing key; values made at T1. */
async function team(manifest = MANIFEST) {
  const home = mkdtempSync(join(tmpdir(), 'hush-home-'))
  const keyFile = join(home, 'key.txt')
  const dir = tmpProject(manifest)
  const outputs: CliResult[] = []
  const made = await hush(['keygen', '-o', keyFile, '--json'], { cwd: dir })
  expect(made.code, made.stderr).toBe(0)
  const { recipient, signer, signingFile } = JSON.parse(made.stdout)
  writeFileSync(
    join(dir, 'hush.yaml'),
    `${manifest}seal:\n  recipients: [${recipient}]\n  signers: [${signer}]\n`,
  )
  const run = async (args: string[], at = T3, input?: string) => {
    const r = await hush(args, {
      cwd: dir,
      env: { HUSH_AGE_KEY_FILE: keyFile, HUSH_NOW: at },
      ...(input !== undefined ? { input } : {}),
    })
    outputs.push(r)
    return r
  }
  expect((await run(['set', 'api_token', '--stdin'], T1, CANARY)).code).toBe(0)
  expect((await run(['gen', '-q'], T1)).code).toBe(0)
  const teamKey = parseSigningKey(readFileSync(signingFile, 'utf8'), signingFile)
  /** The bundle in an age file (decrypted by the real age CLI). */
  const open = (file: string): Bundle =>
    parseBundle(execFileSync('age', ['-d', '-i', keyFile, join(dir, file)], { encoding: 'utf8' }), file)
  /** A bundle encrypted by the real age CLI to the recipient hush.yaml lists: what anyone can do. */
  const write = (file: string, bundle: Bundle) =>
    execFileSync('age', ['-r', recipient, '-o', join(dir, file)], { input: renderBundle(bundle) })
  return { dir, home, keyFile, recipient, signer, teamKey, outputs, run, open, write }
}

/** Every value and the metadata of both environments, and the audit log: what "nothing written" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    if (!existsSync(d)) return
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out[p] = readFileSync(p, 'utf8')
    }
  }
  walk(join(dir, 's'))
  const audit = join(dir, '.hush', 'audit.jsonl')
  if (existsSync(audit)) out[audit] = readFileSync(audit, 'utf8')
  return out
}

function expectNoLeak(outputs: readonly CliResult[], ...values: string[]): void {
  const text = outputs.flatMap((r) => [r.stdout, r.stderr]).join('\n')
  for (const v of [CANARY, FORGED, ...values])
    expect(text.includes(v), `leaked ${v.slice(0, 8)}…`).toBe(false)
  expect(text).not.toContain('CANARY')
}

const withEntries = (bundle: Bundle, change: (e: BundleEntry) => BundleEntry | undefined): Bundle => ({
  project: bundle.project,
  env: bundle.env,
  sealedAt: bundle.sealedAt,
  entries: bundle.entries.flatMap((e) => {
    const next = change(e)
    return next ? [next] : []
  }),
})
const value = (dir: string, env: string, entry: string) => readFileSync(join(dir, 's', env, entry), 'utf8')

describe.runIf(haveAge)('unseal refuses what it cannot trust', () => {
  it('a replayed older bundle is refused (by version, and by time in a store that never saw it) unless --allow-rollback', async () => {
    const t = await team()
    expect((await t.run(['seal', '-o', 'b1.age'], T1)).code).toBe(0)
    const old = value(t.dir, 'dev', 'jwt_secret_primary')
    expect((await t.run(['gen', '--force', '-q'], T2)).code).toBe(0)
    expect((await t.run(['seal', '-o', 'b2.age'], T2)).code).toBe(0)
    const rotated = value(t.dir, 'dev', 'jwt_secret_primary')
    expect(rotated).not.toBe(old)

    // the environment it came from: its keys are v2 since T2, the bundle's v1 of T1
    const before = snapshot(t.dir)
    const replay = await t.run(['unseal', 'b1.age'])
    expect(replay.code, replay.stderr).toBe(1)
    expect(replay.stderr).toContain('HUSH_E_SEAL_ROLLBACK')
    expect(replay.stderr).toMatch(
      /jwt_secret_primary: the store has v2 of 2026-03-02T00:00:00.000Z, the bundle v1 of 2026-03-01/,
    )
    expect(replay.stderr).toContain('--allow-rollback')
    expect(snapshot(t.dir)).toEqual(before)

    // a fresh environment that unsealed b2 first: versions agree (v1), times do not
    expect((await t.run(['unseal', 'b2.age', '-e', 'restore'])).code).toBe(0)
    expect(value(t.dir, 'restore', 'jwt_secret_primary')).toBe(rotated)
    const restored = snapshot(t.dir)
    const byTime = await t.run(['unseal', 'b1.age', '-e', 'restore'])
    expect(byTime.code).toBe(1)
    expect(byTime.stderr).toContain('HUSH_E_SEAL_ROLLBACK')
    expect(byTime.stderr).toMatch(
      /jwt_secret_primary: the store has v1 of 2026-03-02.*the bundle v1 of 2026-03-01/,
    )
    expect(snapshot(t.dir)).toEqual(restored)
    // the same bundle again is no change at all (not a rollback)
    expect((await t.run(['unseal', 'b2.age', '-e', 'restore'])).code).toBe(0)

    // asked for: the rotated-away key comes back, and keeps the time it was made
    const allowed = await t.run(['unseal', 'b1.age', '--allow-rollback'])
    expect(allowed.code, allowed.stderr).toBe(0)
    expect(value(t.dir, 'dev', 'jwt_secret_primary')).toBe(old)
    expect(readFileSync(join(t.dir, '.hush', 'audit.jsonl'), 'utf8')).toContain('unseal --allow-rollback')
    const meta = JSON.parse(readFileSync(join(t.dir, 's', 'dev', '.hush', 'meta.json'), 'utf8'))
    expect(meta.secrets.jwt_secret_primary).toMatchObject({ version: 3, updatedAt: T1, rotatedAt: T1 })
    expectNoLeak(t.outputs, old, rotated)
  }, 120_000)

  it('a bundle sealed for another project is refused', async () => {
    const t = await team()
    const other = tmpProject(
      readFileSync(join(t.dir, 'hush.yaml'), 'utf8').replace('project: trusty', 'project: other'),
    )
    const env = { HUSH_AGE_KEY_FILE: t.keyFile, HUSH_NOW: T1 }
    expect((await hush(['gen', '-q'], { cwd: other, env })).code).toBe(0)
    const sealed = await hush(['seal', '-o', join(t.dir, 'other.age')], { cwd: other, env })
    expect(sealed.code, sealed.stderr).toBe(0)
    const before = snapshot(t.dir)
    const r = await t.run(['unseal', 'other.age', '-e', 'restore'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('HUSH_E_SEAL_UNTRUSTED')
    expect(r.stderr).toContain('sealed for project "other", not "trusty"')
    expect(snapshot(t.dir)).toEqual(before)
    expectNoLeak(t.outputs)
  }, 60_000)

  it('a bundle dated in the future is refused; within the 5-minute clock skew it is accepted', async () => {
    const t = await team()
    expect((await t.run(['seal', '-o', '2099.age'], '2099-01-01T00:00:00.000Z')).code).toBe(0)
    expect((await t.run(['seal', '-o', 'ahead10.age'], '2026-03-03T00:10:00.000Z')).code).toBe(0)
    expect((await t.run(['seal', '-o', 'ahead2.age'], '2026-03-03T00:02:00.000Z')).code).toBe(0)
    const before = snapshot(t.dir)
    for (const file of ['2099.age', 'ahead10.age']) {
      const r = await t.run(['unseal', file, '-e', 'restore'], T3)
      expect(r.code, file).toBe(1)
      expect(r.stderr).toContain('HUSH_E_SEAL_UNTRUSTED')
      expect(r.stderr).toContain('is dated in the future')
      expect(r.stderr).toContain("this machine's clock says 2026-03-03T00:00:00.000Z")
    }
    expect(snapshot(t.dir)).toEqual(before)
    expect((await t.run(['unseal', 'ahead2.age', '-e', 'restore'], T3)).code).toBe(0)
    // an entry dated in the future (its updated_at) is refused too, even signed by a listed key
    expect((await t.run(['seal', '-o', 'b.age'], T1)).code).toBe(0)
    t.write(
      'late.age',
      signBundle(
        withEntries(t.open('b.age'), (e) =>
          e.name === 'api_token' ? { ...e, updatedAt: '2099-01-01T00:00:00.000Z' } : e,
        ),
        t.teamKey,
      ),
    )
    const late = await t.run(['unseal', 'late.age'], T3)
    expect(late.code).toBe(1)
    expect(late.stderr).toContain('api_token updated_at 2099-01-01')
    expectNoLeak(t.outputs)
  }, 60_000)

  it('forgeries are refused: unsigned, signed by an unlisted key, a listed signature over changed content', async () => {
    const t = await team()
    expect((await t.run(['seal', '-o', 'b.age'], T1)).code).toBe(0)
    const genuine = t.open('b.age')
    expect(genuine.signer).toBe(t.signer)
    // a newer version of api_token, so that only trust stands in the way
    const forged = withEntries(genuine, (e) =>
      e.name === 'api_token' ? { ...e, value: FORGED, version: 9, updatedAt: T2 } : e,
    )
    const attacker: SigningKey = parseSigningKey(generateSigningKey(new Date(T1)).file, 'attacker')
    t.write('unsigned.age', forged)
    t.write('unlisted.age', signBundle(forged, attacker))
    t.write('resigned.age', { ...forged, signer: t.signer, signature: genuine.signature! })
    const before = snapshot(t.dir)
    const cases: [string, string[], RegExp][] = [
      ['unsigned.age', [], /HUSH_E_SEAL_UNTRUSTED.*is not signed/],
      [
        'unlisted.age',
        [],
        /HUSH_E_SEAL_UNTRUSTED.*is signed by hush-ed25519:.*which seal.signers .* does not list/,
      ],
      ['resigned.age', [], /HUSH_E_SEAL_UNTRUSTED.*its signature does not verify/],
      // a bad signature is refused even when unsigned bundles are allowed
      ['resigned.age', ['--allow-unsigned'], /HUSH_E_SEAL_UNTRUSTED.*its signature does not verify/],
    ]
    for (const [file, flags, error] of cases) {
      for (const dry of [[], ['--dry-run']]) {
        const r = await t.run(['unseal', file, ...flags, ...dry])
        expect(r.code, `${file} ${flags}`).toBe(1)
        expect(r.stderr.replace(/\n/g, ' ')).toMatch(error)
        expect(r.stderr).toContain('hint: nothing was written')
      }
    }
    expect(snapshot(t.dir)).toEqual(before)
    expect(value(t.dir, 'dev', 'api_token')).toBe(CANARY)

    // migration: a bundle from before hush signed them is read once with --allow-unsigned
    t.write(
      'old.age',
      withEntries(genuine, (e) => e),
    )
    const dry = await t.run(['unseal', 'old.age', '-e', 'restore', '--dry-run', '--allow-unsigned'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stderr).toContain('is not signed: accepted (--allow-unsigned)')
    expect(dry.stdout).toContain(', unsigned) → restore (dry run: nothing written)')
    expect((await t.run(['unseal', 'old.age', '-e', 'restore', '--allow-unsigned'])).code).toBe(0)
    expect(value(t.dir, 'restore', 'api_token')).toBe(CANARY)
    expect(readFileSync(join(t.dir, '.hush', 'audit.jsonl'), 'utf8')).toContain('unseal --allow-unsigned')
    expectNoLeak(t.outputs)
  }, 120_000)

  it('a tampered ciphertext is refused and nothing is written', async () => {
    const t = await team()
    expect((await t.run(['seal', '-o', 'b.age'], T1)).code).toBe(0)
    const bytes = readFileSync(join(t.dir, 'b.age'))
    const before = snapshot(t.dir)
    for (const at of [bytes.length - 40, Math.floor(bytes.length / 2)]) {
      const bad = Buffer.from(bytes)
      bad[at] = bad[at]! ^ 0x20
      writeFileSync(join(t.dir, 'tampered.age'), bad)
      const r = await t.run([
        'unseal',
        'tampered.age',
        '-e',
        'restore',
        '--allow-unsigned',
        '--allow-rollback',
      ])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('HUSH_E_SEAL')
      expect(r.stderr).toContain('nothing was written')
    }
    expect(snapshot(t.dir)).toEqual(before)
    expectNoLeak(t.outputs)
  }, 60_000)

  it('a signed bundle that breaks hush.yaml (pattern, fixed, derived, key ring) is refused with nothing written', async () => {
    const t = await team()
    expect((await t.run(['seal', '-o', 'b.age'], T1)).code).toBe(0)
    const genuine = t.open('b.age')
    // signed by the listed key: a teammate's broken or compromised sealer; the entry it names, never a value
    const cases: [string, (e: BundleEntry) => BundleEntry | undefined, RegExp][] = [
      ['api_token', (e) => ({ ...e, value: 'CANARY-no-pattern' }), /api_token: does not match the pattern/],
      ['db_user', (e) => ({ ...e, value: 'rootCANARY' }), /db_user: is fixed by hush.yaml \(value:\)/],
      [
        'db_url',
        (e) => ({ ...e, value: 'postgresql://app:CANARY@evil.example/app' }),
        /db_url: is derived and the bundle holds a value its template does not give/,
      ],
      [
        'jwt_secret_primary',
        (e) => ({ ...e, value: 'Q0FOQVJZa2V5LW5vdC10aGUtbWlycm9y' }),
        /jwt_secret: \(the legacy copy\) would differ from jwt_secret_primary/,
      ],
    ]
    const before = snapshot(t.dir)
    for (const [entry, change, error] of cases) {
      const broken = withEntries(genuine, (e) => (e.name === entry ? change(e) : e))
      t.write('broken.age', signBundle(broken, t.teamKey))
      const r = await t.run(['unseal', 'broken.age'])
      expect(r.code, entry).toBe(1)
      expect(r.stderr).toContain('HUSH_E_SEAL_INVALID')
      expect(r.stderr).toMatch(error)
      // unsigned and allowed: the same rules still hold
      t.write('broken-unsigned.age', broken)
      const u = await t.run(['unseal', 'broken-unsigned.age', '--allow-unsigned', '--allow-rollback'])
      expect(u.code, entry).toBe(1)
      expect(u.stderr).toMatch(error)
    }
    expect(snapshot(t.dir)).toEqual(before)

    // derived values are recomputed, never taken from the bundle: a newer password without db_url
    const newer = withEntries(genuine, (e) =>
      e.name === 'db_url'
        ? undefined
        : e.name === 'db_password'
          ? { ...e, value: 'CANARY~pass.word-42', version: (e.version ?? 1) + 1, updatedAt: T2 }
          : e,
    )
    t.write('newer.age', signBundle(newer, t.teamKey))
    const ok = await t.run(['unseal', 'newer.age'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/~\s+db_url\s+.*recomputed by hush/)
    expect(value(t.dir, 'dev', 'db_url')).toBe(
      ['postgresql://app:', 'CANARY~pass.word-42', '@db/app'].join(''),
    ) // built at run time: the repository scans clean
    expectNoLeak(t.outputs, 'CANARY~pass.word-42', 'rootCANARY')
  }, 120_000)
})
