/**
 * src/core/seal/seal.ts, called directly: what a bundle holds, how unseal plans and applies it,
 * and the three-way merge. Keys come from the real age-keygen, and bundles cross the real `age`
 * CLI both ways. The CLI suite (test/cli/seal.test.ts) covers the commands, tampered bytes and the
 * git merge driver; these test the core decisions and every refusal's code.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { gen } from '../../src/core/generate/gen.js'
import type { Project } from '../../src/core/project.js'
import { bundleOf, mergeBundles, openBundle, seal, unseal } from '../../src/core/seal/seal.js'
import { type Bundle, type BundleEntry, parseBundle, renderBundle } from '../../src/lib/sealed-bundle.js'
import { FROZEN, project, tmpProject } from '../helpers/project.js'
import { available } from '../helpers/servers.js'

const made: string[] = []
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'hush-seal-'))
  made.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

const MANIFEST = `version: 1
project: sealme
environments:
  development: { path: s/dev }
  restore: { path: s/restore }
secrets:
  session_key: { generate: base64:32 }
  db_user: { value: app }
  signing_key: { generate: ed25519 }
  jwt_secret: { generate: base64:32, rotate: { strategy: keyring } }
  note: { provide: true }
  api_token: { provide: true, optional: true }
`
const LATER = new Date(FROZEN.getTime() + 86_400_000)
const NOTE = 'CANARY note: multi\nline, "quoted", # not a comment'

async function put(p: Project, values: Record<string, string>, at = FROZEN): Promise<void> {
  await p.store.writeMany(
    Object.entries(values).map(([name, value]) => ({
      name,
      value,
      meta: { fingerprint: p.fingerprint(value), source: 'provided' as const, at: at.toISOString() },
    })),
  )
}

/** A project whose development environment is generated, with `note` written twice (version 2). */
async function sealed() {
  const dir = tmpProject(MANIFEST)
  made.push(dir)
  const dev = await project(dir)
  await gen(dev)
  await put(dev, { note: 'first' })
  await put(dev, { note: NOTE }, LATER)
  const values: Record<string, string> = {}
  for (const s of await dev.store.list()) values[s.name] = (await dev.store.read(s.name))!
  return { dir, dev, values }
}

/** A key from the real age-keygen: its file, identity line and recipient. */
function ageKey() {
  const file = join(scratch(), 'key.txt')
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' })
  const text = readFileSync(file, 'utf8')
  return {
    file,
    identity: text.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!,
    recipient: /# public key: (age1\S+)/.exec(text)![1]!,
  }
}

/** Encrypt text with the real age CLI. */
function ageEncrypt(text: string, recipient: string, armor = false): Uint8Array {
  return execFileSync('age', ['-r', recipient, ...(armor ? ['-a'] : [])], { input: text })
}

/** A bundle as it reads back: the rendered document lists entries by name. */
const byName = (b: Bundle): Bundle => ({
  ...b,
  entries: [...b.entries].sort((x, y) => x.name.localeCompare(y.name)),
})

const entry = (name: string, value: string, extra: Partial<BundleEntry> = {}): BundleEntry => ({
  name,
  value,
  ...extra,
})
const bundle = (entries: BundleEntry[], extra: Partial<Bundle> = {}): Bundle => ({
  project: 'p',
  env: 'development',
  sealedAt: FROZEN.toISOString(),
  entries,
  ...extra,
})

describe('seal: the bundle', () => {
  it('holds every entry with a value, with its store version, time and fingerprint; unset and undeclared entries are left out', async () => {
    const { dir, dev, values } = await sealed()
    writeFileSync(join(dir, 's', 'dev', 'old_token'), 'stray') // a file hush.yaml does not declare
    const b = await bundleOf(dev)
    expect(b).toMatchObject({ project: 'sealme', env: 'development', sealedAt: FROZEN.toISOString() })
    expect(b.entries.map((e) => e.name).sort()).toEqual(Object.keys(values).sort())
    expect(b.entries.map((e) => e.name)).not.toContain('old_token')
    expect(b.entries.map((e) => e.name)).not.toContain('api_token')
    for (const e of b.entries) {
      expect(e.value).toBe(values[e.name])
      expect(e.fingerprint).toBe(dev.fingerprint(values[e.name]!))
    }
    expect(b.entries.find((e) => e.name === 'note')).toMatchObject({
      version: 2,
      updatedAt: LATER.toISOString(),
    })
    expect(b.entries.find((e) => e.name === 'db_user')).toMatchObject({ value: 'app', version: 1 })
  })

  it('refuses to seal for nobody: no recipients and no passphrase (or an empty one) is an error', async () => {
    const { dev } = await sealed()
    await expect(seal(dev, { recipients: [] })).rejects.toMatchObject({
      code: 'HUSH_E_USAGE',
      message: 'no recipients to seal for',
    })
    // the library refuses an empty passphrase too, not only the CLI's prompt
    await expect(seal(dev, { recipients: [], passphrase: '' })).rejects.toMatchObject({
      code: 'HUSH_E_INPUT',
    })
  })
})

describe.runIf(available('age') && available('age-keygen'))('seal and open across the real age CLI', () => {
  it('what seal writes (binary, armored, compressed) opens with age -d, for every recipient, into the same bundle', async () => {
    const { dev } = await sealed()
    const [one, two] = [ageKey(), ageKey()]
    for (const options of [{}, { armor: true }, { compress: true }, { armor: true, compress: true }]) {
      const { bytes, bundle: b } = await seal(dev, { recipients: [one.recipient, two.recipient], ...options })
      const head = Buffer.from(bytes.subarray(0, 40)).toString('latin1')
      expect(head.startsWith('-----BEGIN AGE ENCRYPTED FILE-----'), JSON.stringify(options)).toBe(
        options.armor === true,
      )
      const file = join(scratch(), 'b.age')
      writeFileSync(file, bytes)
      for (const key of [one, two]) {
        const plain = execFileSync('age', ['-d', '-i', key.file, file])
        const text = (options.compress ? gunzipSync(plain) : plain).toString('utf8')
        expect(parseBundle(text, file)).toEqual(byName(b))
      }
      expect(await openBundle(bytes, 'b.age', { identities: [two.identity] })).toEqual(byName(b))
    }
  })

  it('opens a bundle age -r -a encrypted, and refuses it once a value was edited (the digest no longer matches)', async () => {
    const { dev } = await sealed()
    const key = ageKey()
    const b = await bundleOf(dev)
    const text = renderBundle(b)
    expect(
      await openBundle(ageEncrypt(text, key.recipient, true), 'ok.age', { identities: [key.identity] }),
    ).toEqual(byName(b))
    const edited = text.replace('value: app', 'value: root')
    expect(edited).not.toBe(text)
    await expect(
      openBundle(ageEncrypt(edited, key.recipient), 'edited.age', { identities: [key.identity] }),
    ).rejects.toMatchObject({
      code: 'HUSH_E_SEAL',
      message: 'edited.age does not hold a valid hush bundle (its digest does not match its contents)',
      hint: expect.stringContaining('nothing was written'),
    })
  })

  it('refuses age files that hold no valid bundle: not YAML, no header, an unsafe name, a name twice', async () => {
    const key = ageKey()
    const cases: [text: string, why: string][] = [
      ['{ unclosed', 'not YAML'],
      ['just some text\n', 'no hush: 1 header'],
      [renderBundle(bundle([entry('../etc/passwd', 'x')])), 'an unsafe name "../etc/passwd"'],
      [renderBundle(bundle([entry('twice', 'a'), entry('twice', 'b')])), 'twice twice'],
    ]
    for (const [text, why] of cases)
      await expect(
        openBundle(ageEncrypt(text, key.recipient), 'x.age', { identities: [key.identity] }),
        why,
      ).rejects.toMatchObject({
        code: 'HUSH_E_SEAL',
        message: `x.age does not hold a valid hush bundle (${why})`,
      })
  })

  it('refuses plaintext, a missing identity and a wrong identity, each as HUSH_E_SEAL', async () => {
    const { dev } = await sealed()
    const [key, other] = [ageKey(), ageKey()]
    const { bytes } = await seal(dev, { recipients: [key.recipient] })
    const refusals: [file: Uint8Array, identities: string[], message: string][] = [
      [Buffer.from(renderBundle(await bundleOf(dev))), [key.identity], 'b.age is not an age-encrypted file'],
      [bytes, [], 'no age identity to open b.age'],
      [bytes, [other.identity], 'none of your age identities can open b.age'],
    ]
    for (const [file, identities, message] of refusals)
      await expect(openBundle(file, 'b.age', { identities })).rejects.toMatchObject({
        code: 'HUSH_E_SEAL',
        message,
      })
  })

  it('a passphrase-sealed bundle asks for its passphrase: none is an error, the right one opens', async () => {
    const { dev } = await sealed()
    const { bytes, bundle: b } = await seal(dev, { recipients: [], passphrase: 'correct horse battery' })
    await expect(openBundle(bytes, 'p.age', { identities: [] })).rejects.toMatchObject({
      code: 'HUSH_E_SEAL',
      message: 'p.age is sealed with a passphrase',
    })
    expect(
      await openBundle(bytes, 'p.age', { identities: [], passphrase: async () => 'correct horse battery' }),
    ).toEqual(byName(b))
  })
})

/** these bundles are made in the test without a signing key: signature checks are test/cli/unseal-trust.test.ts */
const UNSIGNED = { allowUnsigned: true, allowRollback: true }

describe('unseal: plan by fingerprint, then apply', () => {
  /** development sealed; restore holds session_key as is, an older note, and no db_user. */
  async function restoring() {
    const { dir, dev, values } = await sealed()
    const restore = await project(dir, 'restore', () => LATER)
    await put(restore, { session_key: values.session_key!, note: 'an older note' })
    const b = await bundleOf(dev)
    const full = { ...b, entries: [...b.entries, entry('old_token', 'CANARY undeclared')] }
    return { dir, dev, restore, values, full }
  }
  const planOf = (rows: { entry: string; action: string }[]) =>
    Object.fromEntries(rows.map((r) => [r.entry, r.action]))

  it('+ new, ~ changed, = same, unknown for undeclared; only + and ~ are written and audited', async () => {
    const { restore, values, full } = await restoring()
    const before = await restore.store.list()
    const result = await unseal(restore, full, UNSIGNED)
    expect(planOf(result.rows)).toMatchObject({
      session_key: '=',
      note: '~',
      db_user: '+',
      signing_key: '+',
      'signing_key.pub': '+',
      jwt_secret_primary: '+',
      old_token: 'unknown',
    })
    expect(result).toMatchObject({
      env: 'restore',
      source: { project: 'sealme', env: 'development', sealedAt: FROZEN.toISOString() },
      dryRun: false,
      written: full.entries.length - 2, // not session_key (=), not old_token (unknown)
    })
    const note = result.rows.find((r) => r.entry === 'note')!
    expect(note).toEqual({
      entry: 'note',
      action: '~',
      from: restore.fingerprint('an older note'),
      to: restore.fingerprint(NOTE),
    })
    expect(result.rows.find((r) => r.entry === 'db_user')).not.toHaveProperty('from')
    for (const [name, value] of Object.entries(values)) expect(await restore.store.read(name)).toBe(value)
    expect(await restore.store.read('old_token')).toBeUndefined()
    const meta = new Map((await restore.store.list()).map((m) => [m.name, m]))
    expect(meta.get('session_key')).toEqual(before.find((m) => m.name === 'session_key'))
    // a changed value is a rotation: rotatedAt moves from the earlier write (FROZEN) to the unseal
    expect(meta.get('note')).toMatchObject({ version: 2, rotatedAt: LATER.toISOString() })
    // a new entry keeps the time the bundle says its value was made, so a later replay is caught by time
    expect(meta.get('db_user')).toMatchObject({ version: 1, createdAt: FROZEN.toISOString() })
    // one audit log per project: gen's development entries are there too
    const audit = (await restore.audit.entries()).filter((e) => e.env === 'restore')
    expect(audit.map((e) => e.secret).sort()).toEqual(
      result.rows
        .filter((r) => r.action === '+' || r.action === '~')
        .map((r) => r.entry)
        .sort(),
    )
    for (const e of audit)
      expect(e).toMatchObject({
        action: 'set',
        env: 'restore',
        detail: 'unseal --allow-unsigned',
        ts: LATER.toISOString(),
      })
    expect(audit.find((e) => e.secret === 'note')?.fp).toBe(note.to)
    const log = readFileSync(restore.audit.path, 'utf8')
    for (const value of [...Object.values(values), 'an older note', 'CANARY undeclared']) {
      expect(log).not.toContain(value)
      expect(JSON.stringify(result)).not.toContain(value)
    }
  })

  it('a dry run plans the same rows and writes nothing, not even the audit log', async () => {
    const { restore, full } = await restoring()
    const listed = await restore.store.list()
    const audited = await restore.audit.entries()
    const dry = await unseal(restore, full, { dryRun: true, ...UNSIGNED })
    expect(dry).toMatchObject({ dryRun: true, written: 0 })
    expect(planOf(dry.rows)).toMatchObject({
      session_key: '=',
      note: '~',
      db_user: '+',
      old_token: 'unknown',
    })
    expect(await restore.store.list()).toEqual(listed)
    expect(await restore.store.read('note')).toBe('an older note')
    expect(await restore.audit.entries()).toEqual(audited)
    expect((await unseal(restore, full, UNSIGNED)).rows).toEqual(dry.rows)
  })

  it('unsealing what the store already holds changes nothing and appends nothing', async () => {
    const { restore, full } = await restoring()
    await unseal(restore, full, UNSIGNED)
    const audited = (await restore.audit.entries()).length
    const again = await unseal(restore, full, UNSIGNED)
    expect(again.written).toBe(0)
    expect(new Set(again.rows.map((r) => r.action))).toEqual(new Set(['=', 'unknown']))
    expect((await restore.audit.entries()).length).toBe(audited)
  })
})

describe('mergeBundles: three-way merge by secret', () => {
  const names = (b: Bundle) => Object.fromEntries(b.entries.map((e) => [e.name, e.value]))

  it('takes a side’s change over the unchanged side, merges additions and deletions, keeps ours’ header, sorts names', () => {
    const base = bundle([entry('a', '1'), entry('b', '1'), entry('c', '1'), entry('d', '1')])
    const ours = bundle([entry('d', '1'), entry('a', '2'), entry('b', '1'), entry('z_ours', 'new')], {
      sealedAt: 'ours',
    })
    // theirs: changed b, deleted c, added y
    const theirs = bundle([entry('a', '1'), entry('b', '3'), entry('d', '1'), entry('y_theirs', 'new')], {
      sealedAt: 'theirs',
    })
    const { merged, conflicts } = mergeBundles(base, ours, theirs)
    expect(conflicts).toEqual([])
    expect(merged.sealedAt).toBe('ours')
    expect(merged.entries.map((e) => e.name)).toEqual(['a', 'b', 'd', 'y_theirs', 'z_ours'])
    expect(names(merged)).toEqual({ a: '2', b: '3', d: '1', y_theirs: 'new', z_ours: 'new' })
  })

  it('the same change on both sides is no conflict, and the value decides: ours’ metadata is kept', () => {
    const base = bundle([entry('a', '1', { version: 1 })])
    const ours = bundle([entry('a', '2', { version: 2 }), entry('n', 'x', { version: 1 })])
    const theirs = bundle([entry('a', '2', { version: 7 }), entry('n', 'x', { version: 9 })])
    const { merged, conflicts } = mergeBundles(base, ours, theirs)
    expect(conflicts).toEqual([])
    expect(merged.entries).toEqual(ours.entries)
  })

  it('both sides changing an entry differently is a conflict that keeps ours, a deletion included', () => {
    const base = bundle([entry('a', '1'), entry('b', '1'), entry('c', '1')])
    const ours = bundle([entry('a', '2'), entry('c', '1'), entry('n', 'ours')]) // b deleted
    const theirs = bundle([entry('a', '3'), entry('b', '3'), entry('c', '1'), entry('n', 'theirs')])
    const { merged, conflicts } = mergeBundles(base, ours, theirs)
    expect(conflicts).toEqual(['a', 'b', 'n'])
    expect(names(merged)).toEqual({ a: '2', c: '1', n: 'ours' })
  })
})
