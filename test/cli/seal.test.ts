/**
 * seal / unseal / keygen / git integration, against the real `age` CLI (Debian's age 1.1):
 * bundles hush seals (signed inside) open with `age -d`, files `age -r` and `age -p` encrypt unseal with hush,
 * every value survives byte for byte, any tampered byte is refused, and two branches that change
 * different secrets merge.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { openBundle, seal, unseal } from '../../src/core/seal/seal.js'
import { generateKey } from '../../src/lib/age.js'
import { HushError } from '../../src/lib/errors.js'
import { signatureState } from '../../src/lib/sealed-bundle.js'
import { generateSigningKey, parseSigningKey } from '../../src/lib/signing.js'
import { hush, project, tmpProject } from '../helpers/project.js'
import { available } from '../helpers/servers.js'

const MANIFEST = `version: 1
project: sealme
environments:
  development: { path: s/dev }
  restore: { path: s/restore }
secrets:
  session_key: { generate: base64:32 }
  db_password: { generate: password:24 }
  signing_key: { generate: ed25519 }
  api_token: { provide: true, required: [] }
`

/** An age identity and a signing key beside it (hush keygen), the signer listed in hush.yaml, values made. */
async function withKey() {
  const home = mkdtempSync(join(tmpdir(), 'hush-home-'))
  const keyFile = join(home, 'key.txt')
  const dir = tmpProject(MANIFEST)
  const r = await hush(['keygen', '-o', keyFile], { cwd: dir })
  expect(r.code, r.stderr).toBe(0)
  const recipient = r.stdout.trim()
  expect(recipient).toMatch(/^age1[a-z0-9]{58}$/)
  expect(statSync(keyFile).mode & 0o777).toBe(0o600)
  const signingFile = join(home, 'key.signing.pem')
  expect(statSync(signingFile).mode & 0o777).toBe(0o600)
  // --signing prints the signing key keygen made beside the identity, and never replaces it
  const s = await hush(['keygen', '--signing', '-o', keyFile], { cwd: dir })
  expect(s.code, s.stderr).toBe(0)
  const signer = s.stdout.trim()
  expect(signer).toMatch(/^hush-ed25519:[A-Za-z0-9_-]{43}$/)
  expect(r.stderr).toContain(signer)
  writeFileSync(join(dir, 'hush.yaml'), `${MANIFEST}seal: { signers: [${signer}] }\n`)
  expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
  return { home, dir, keyFile, recipient, signer, env: { HUSH_AGE_KEY_FILE: keyFile } }
}

const haveAge = available('age')

describe.runIf(haveAge)('seal and unseal with the real age CLI', () => {
  it('a bundle hush seals opens with age -d into YAML a person can read (binary and armored), signed', async () => {
    const { dir, keyFile, recipient, signer, env } = await withKey()
    const value = readFileSync(join(dir, 's', 'dev', 'session_key'), 'utf8')
    for (const armor of [[], ['--armor']]) {
      const r = await hush(['seal', '-r', recipient, ...armor, '-o', 'b.age'], { cwd: dir, env })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.stdout + r.stderr).not.toContain(value)
      expect(statSync(join(dir, 'b.age')).mode & 0o777).toBe(0o600)
      const plain = execFileSync('age', ['-d', '-i', keyFile, join(dir, 'b.age')], { encoding: 'utf8' })
      const doc = parse(plain)
      expect(doc.env).toBe('development')
      expect(doc.signer).toBe(signer)
      expect(doc.signature).toMatch(/^[A-Za-z0-9_-]{86}$/)
      expect(doc.secrets.find((s: { name: string }) => s.name === 'session_key')).toMatchObject({
        value,
        version: 1,
      })
      expect(doc.secrets.map((s: { name: string }) => s.name).sort()).toEqual(
        ['db_password', 'session_key', 'signing_key', 'signing_key.pub'].sort(),
      )
    }
  })

  it('files that age -r and age -p encrypted unseal with hush (the signature is inside); the plan shows fingerprints', async () => {
    const { dir, keyFile, recipient, env } = await withKey()
    expect((await hush(['seal', '-r', recipient, '-o', 'b.age'], { cwd: dir, env })).code).toBe(0)
    const plain = join(dir, 'bundle.yaml')
    writeFileSync(plain, execFileSync('age', ['-d', '-i', keyFile, join(dir, 'b.age')]))
    const sent = readFileSync(join(dir, 's', 'dev', 'db_password'), 'utf8')
    execFileSync('age', ['-r', recipient, '-o', join(dir, 'by-age.age'), plain])
    const dry = await hush(['unseal', 'by-age.age', '-e', 'restore', '--dry-run'], { cwd: dir, env })
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toMatch(/\+\s+db_password/)
    expect(dry.stdout).not.toContain(sent)
    expect(() => readFileSync(join(dir, 's', 'restore', 'db_password'))).toThrow()
    const real = await hush(['unseal', 'by-age.age', '-e', 'restore'], { cwd: dir, env })
    expect(real.code, real.stderr).toBe(0)
    expect(readFileSync(join(dir, 's', 'restore', 'db_password'), 'utf8')).toBe(sent)
    // age -p reads its passphrase from a terminal: give it one (script(1) makes a pseudo-terminal)
    const pass = 'correct horse battery staple'
    const out = join(dir, 'by-pass.age')
    const typed = spawnSync('script', ['-qec', `age -p -o ${out} ${plain}`, '/dev/null'], {
      input: `${pass}\n${pass}\n`,
      encoding: 'utf8',
    })
    expect(typed.status, typed.stdout).toBe(0)
    const wrong = await hush(['unseal', 'by-pass.age', '-e', 'restore'], {
      cwd: dir,
      env: { HUSH_PASSPHRASE: 'nope' },
    })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('HUSH_E_SEAL')
    const viaPass = await hush(['unseal', 'by-pass.age', '-e', 'restore', '--dry-run'], {
      cwd: dir,
      env: { HUSH_PASSPHRASE: pass },
    })
    expect(viaPass.code, viaPass.stderr).toBe(0)
    expect(viaPass.stdout).toMatch(/=\s+db_password/)
  }, 60_000)

  it('a wrong key, a truncated file and every tampered byte are refused and nothing is written', async () => {
    const { dir, recipient, keyFile } = await withKey()
    expect((await hush(['seal', '-r', recipient, '-o', 'b.age'], { cwd: dir })).code).toBe(0)
    const other = await generateKey(new Date(0))
    const wrongKey = await hush(['unseal', 'b.age', '-e', 'restore'], {
      cwd: dir,
      env: { HUSH_AGE_KEY: other.identity },
    })
    expect(wrongKey.code).toBe(1)
    expect(wrongKey.stderr).toContain('none of your age identities can open')
    const good = readFileSync(join(dir, 'b.age'))
    writeFileSync(join(dir, 'short.age'), good.subarray(0, good.length - 20))
    const truncated = await hush(['unseal', 'short.age', '-e', 'restore'], {
      cwd: dir,
      env: { HUSH_AGE_KEY_FILE: keyFile },
    })
    expect(truncated.code).toBe(1)
    expect(truncated.stderr).toContain('HUSH_E_SEAL')
    // every byte position, flipped, in-process
    const identities = [
      readFileSync(keyFile, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('AGE-SECRET-KEY'))!,
    ]
    let refused = 0
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good)
      bad[i] = bad[i]! ^ 0x01
      await expect(openBundle(bad, 'b.age', { identities }), `byte ${i}`).rejects.toBeInstanceOf(HushError)
      refused++
    }
    expect(refused).toBe(good.length)
    expect(() => readFileSync(join(dir, 's', 'restore', 'session_key'))).toThrow()
  }, 120_000)

  it('seal → unseal returns every value byte for byte (property: any text, control characters and NUL)', async () => {
    const key = await generateKey(new Date(0))
    const signing = parseSigningKey(generateSigningKey(new Date(0)).file, 'test')
    const dir = tmpProject(
      `${MANIFEST.replace(
        '  api_token: { provide: true, required: [] }\n',
        '  a: { provide: true }\n  b: { provide: true }\n',
      )}seal: { signers: [${signing.signer}] }\n`,
    )
    const source = await project(dir, 'development')
    const target = await project(dir, 'restore')
    // any text, and bytes 0-255 as characters: NUL, CR, control characters, quotes, YAML syntax
    const value = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
      fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 200 }),
    )
    await fc.assert(
      fc.asyncProperty(value, value, async (a, b) => {
        const at = '2026-01-01T00:00:00.000Z'
        await source.store.writeMany([
          { name: 'a', value: a, meta: { fingerprint: source.fingerprint(a), source: 'provided', at } },
          { name: 'b', value: b, meta: { fingerprint: source.fingerprint(b), source: 'provided', at } },
        ])
        const expected = { a: await source.store.read('a'), b: await source.store.read('b') }
        const { bytes } = await seal(
          source,
          { recipients: [key.recipient], armor: a.length % 2 === 0, compress: b.length % 2 === 0 },
          signing,
        )
        await unseal(target, await openBundle(bytes, 'p', { identities: [key.identity] }))
        expect(await target.store.read('a')).toBe(expected.a)
        expect(await target.store.read('b')).toBe(expected.b)
      }),
      { numRuns: 150 },
    )
  }, 120_000)

  it('git merge of two branches that change different secrets in a sealed store succeeds and keeps both', async () => {
    const key = await generateKey(new Date(0))
    const home = mkdtempSync(join(tmpdir(), 'hush-home-'))
    mkdirSync(join(home, '.config', 'hush'), { recursive: true })
    writeFileSync(join(home, '.config', 'hush', 'keys.txt'), key.file, { mode: 0o600 })
    const signing = generateSigningKey(new Date(0))
    writeFileSync(join(home, '.config', 'hush', 'keys.signing.pem'), signing.file, { mode: 0o600 })
    const dir = tmpProject(`version: 1
project: merged
environments: { development: { store: sealed, path: dev.hush.sealed } }
seal: { recipients: [${key.recipient}] }
secrets:
  alpha: { provide: true }
  beta: { provide: true }
`)
    const env = { HOME: home }
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.test', '-c', 'user.name=t', ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, ...env },
      })
    const set = async (name: string, value: string) =>
      expect((await hush(['set', name, '--stdin'], { cwd: dir, input: value, env })).code).toBe(0)
    git('init', '-q', '-b', 'main')
    writeFileSync(join(dir, '.gitignore'), '.hush/\n')
    expect((await hush(['git', 'setup'], { cwd: dir, env })).code).toBe(0)
    await set('alpha', 'alpha-one-1111')
    await set('beta', 'beta-one-2222')
    git('add', '-A')
    git('commit', '-qm', 'base')
    git('checkout', '-qb', 'left')
    await set('alpha', 'alpha-two-3333')
    git('commit', '-qam', 'alpha')
    git('checkout', '-q', 'main')
    await set('beta', 'beta-two-4444')
    git('commit', '-qam', 'beta')
    // the diff shows names and fingerprints, never values
    const diff = git('diff', 'HEAD~1', '--', 'dev.hush.sealed')
    expect(diff).toMatch(/beta v2 [0-9a-f]{12}/)
    expect(diff).not.toContain('beta-two-4444')
    git('merge', '-q', '--no-edit', 'left')
    const get = async (name: string) => (await hush(['get', name, '--reveal'], { cwd: dir, env })).stdout
    expect(await get('alpha')).toBe('alpha-two-3333')
    expect(await get('beta')).toBe('beta-two-4444')
    // the merged file is new content: the merge driver signed it with the merger's key
    const merged = await openBundle(readFileSync(join(dir, 'dev.hush.sealed')), 'merged', {
      identities: [key.identity],
    })
    expect(merged.signer).toBe(signing.signer)
    expect(signatureState(merged)).toBe('valid')
  }, 60_000)
})
