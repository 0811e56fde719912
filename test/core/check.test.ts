/**
 * src/core/check, called directly: the content rules on values, the file rules on real files
 * (modes, owners, a real git work tree), and check() over real files stores with a frozen clock.
 * The CLI suite (test/cli/check.test.ts) has one test per finding code; these test the decisions
 * behind them: which entries count, which environments are compared, what is skipped.
 */
import { generateKeyPairSync } from 'node:crypto'
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { contentProblems, weakness } from '../../src/core/check/content.js'
import { gitProblems, permissionProblems } from '../../src/core/check/files.js'
import { check } from '../../src/core/check/index.js'
import type { Finding } from '../../src/core/check/types.js'
import { gen } from '../../src/core/generate/gen.js'
import { generate } from '../../src/core/generate/generators.js'
import { parseManifest } from '../../src/core/manifest/load.js'
import type { GeneratorSpec, SecretSpec } from '../../src/core/manifest/types.js'
import type { Project } from '../../src/core/project.js'
import { FROZEN, git, project, tmpProject } from '../helpers/project.js'
import { mulberry32 } from '../helpers/seeded.js'

const made: string[] = []
const fresh = (manifest: string, options: { git?: boolean } = {}) => {
  const dir = tmpProject(manifest, options)
  made.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

/** A fixed-seed byte source: "random" values that are the same on every run. */
const seeded = (seed: number) => {
  const next = mulberry32(seed)
  return (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256))
}

const SPECS = parseManifest(
  `version: 1
project: unit
environments: { development: {} }
secrets:
  b64: { generate: base64:32 }
  b64url: { generate: base64url:32 }
  hexkey: { generate: hex:16 }
  pw: { generate: password:24 }
  alnum_key: { generate: alnum:20 }
  id: { generate: uuid }
  ed: { generate: ed25519 }
  rsa_key: { generate: { kind: rsa, size: 2048 } }
  token: { provide: true, pattern: '^tok_[a-z0-9]{8,}$' }
  plain: { provide: true }
  user: { value: admin }
`,
  '/nowhere/hush.yaml',
)
const spec = (name: string): SecretSpec => SPECS.byName.get(name)!
const generator = (name: string): GeneratorSpec => {
  const s = spec(name)
  if (s.source !== 'generated') throw new Error(`${name} is not generated`)
  return s.generator
}
const codes = (name: string, value: string) => contentProblems(spec(name), value).map((p) => p.code)

describe('check/content: rules on one value', () => {
  it('an empty value is reported as empty only, whatever else its spec asks for', () => {
    expect(contentProblems(spec('token'), '')).toEqual([{ code: 'empty', message: 'token is empty' }])
    expect(codes('b64', '')).toEqual(['empty'])
  })

  it('a placeholder is reported instead of weak; a fixed value may be a well-known default, not a marker', () => {
    expect(contentProblems(spec('b64'), 'changeme')).toEqual([
      { code: 'placeholder', message: 'b64 is a well-known default' },
    ])
    expect(codes('plain', 'your_api_key_here')).toEqual(['placeholder'])
    expect(codes('plain', '# put the token here')).toEqual(['placeholder'])
    expect(codes('user', 'admin')).toEqual([])
    expect(codes('user', 'CHANGEME')).toEqual(['placeholder'])
  })

  it('pattern and whitespace are reported together; messages show the pattern, never the value', () => {
    const value = ' tok_CANARY-4f1e '
    const problems = contentProblems(spec('token'), value)
    expect(problems).toEqual([
      { code: 'pattern', message: 'token does not match the pattern /^tok_[a-z0-9]{8,}$/' },
      { code: 'whitespace', message: 'token has leading or trailing whitespace' },
    ])
    expect(JSON.stringify(problems)).not.toContain('CANARY')
    expect(codes('token', 'tok_0123abcd')).toEqual([])
    expect(codes('plain', 'value\n')).toEqual(['whitespace'])
  })

  it('values the generators make pass their own weakness check (fixed seeds)', () => {
    for (const name of ['b64', 'b64url', 'hexkey', 'pw', 'alnum_key', 'id', 'ed'])
      for (const seed of [1, 2, 3]) {
        const { value } = generate(generator(name), seeded(seed))
        expect(weakness(generator(name), value), `${name} seed ${seed}`).toBeUndefined()
      }
  })

  it('encoded generators: text outside the encoding, too few bytes, or too little entropy', () => {
    const b64 = generator('b64')
    expect(weakness(b64, 'abc-def_')).toBe('is not base64 text')
    expect(weakness(generator('b64url'), 'abc+def/')).toBe('is not base64url text')
    expect(weakness(generator('hexkey'), 'abc')).toBe('is not hex text')
    expect(weakness(generator('hexkey'), 'zz'.repeat(16))).toBe('is not hex text')
    expect(weakness(b64, Buffer.from(seeded(4)(16)).toString('base64'))).toBe(
      'holds 16 bytes; base64:32 needs 32',
    )
    expect(weakness(b64, Buffer.alloc(32).toString('base64'))).toBe(
      'has about 0 bits of entropy; a random value has about 160',
    )
    // more bytes than asked is fine when they are random
    expect(weakness(b64, Buffer.from(seeded(5)(48)).toString('base64'))).toBeUndefined()
  })

  it('character generators: too short, or drawn from too few distinct characters', () => {
    const pw = generator('pw')
    expect(weakness(pw, 'abc')).toBe('has 3 characters; password:24 needs 24')
    expect(weakness(pw, 'aaaaaaaaaaaaaaaaaaaaaaab')).toMatch(
      /^has about \d+ bits of entropy; a random value has about \d+$/,
    )
    expect(weakness(generator('alnum_key'), 'abababababababababab')).toMatch(/^has about 20 bits/)
  })

  it('uuid must be a random (v4) UUID, in either case', () => {
    const id = generator('id')
    expect(weakness(id, '0f8fad5b-d9cb-469f-a165-70867728950e')).toBeUndefined()
    expect(weakness(id, '0F8FAD5B-D9CB-469F-A165-70867728950E')).toBeUndefined()
    expect(weakness(id, '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('is not a random (v4) UUID') // v1
    expect(weakness(id, '0f8fad5b-d9cb-469f-c165-70867728950e')).toBe('is not a random (v4) UUID') // variant
    expect(weakness(id, '0f8fad5bd9cb469fa16570867728950e')).toBe('is not a random (v4) UUID')
  })

  it('keys: another key type, an RSA modulus below the size, or anything that is not a PEM private key', () => {
    const pem = (k: { export(o: object): string | Buffer }) =>
      k.export({ type: 'pkcs8', format: 'pem' }).toString()
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const ed = generateKeyPairSync('ed25519')
    expect(weakness(generator('rsa_key'), pem(rsa1024.privateKey))).toBe('is a 1024-bit key, below 2048')
    expect(weakness(generator('ed'), pem(rsa1024.privateKey))).toBe('is a rsa key, not ed25519')
    expect(weakness(generator('rsa_key'), pem(ed.privateKey))).toBe('is a ed25519 key, not rsa')
    const publicPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    expect(weakness(generator('ed'), publicPem)).toBe('is not a ed25519 private key in PEM form')
    expect(weakness(generator('ed'), 'not a key')).toBe('is not a ed25519 private key in PEM form')
    expect(codes('ed', 'not a key')).toEqual(['weak'])
  })
})

describe('check/files: modes, owners and git on real files', () => {
  const scratch = () => {
    const dir = fresh('version: 1\n')
    const store = join(dir, 'store')
    mkdirSync(store, { mode: 0o700 })
    chmodSync(store, 0o700)
    return { dir, store }
  }

  it('0600 and 0400 files and 0700 and 0500 directories pass; group, other or execute bits do not', async () => {
    const { store } = scratch()
    const cases: [name: string, mode: number, ok: boolean][] = [
      ['strict', 0o600, true],
      ['readonly', 0o400, true],
      ['group_read', 0o640, false],
      ['world_read', 0o604, false],
      ['executable', 0o700, false],
    ]
    for (const [name, mode] of cases) {
      writeFileSync(join(store, name), 'x')
      chmodSync(join(store, name), mode)
    }
    const problems = await permissionProblems(
      cases.map(([name]) => ({ path: join(store, name), type: 'file', name })),
    )
    expect(problems.map((p) => p.name)).toEqual(cases.filter(([, , ok]) => !ok).map(([name]) => name))
    expect(problems[0]).toEqual({
      code: 'permissions',
      path: join(store, 'group_read'),
      name: 'group_read',
      message: `${join(store, 'group_read')} has mode 0640, expected 0600`,
      hint: `chmod 600 ${join(store, 'group_read')}`,
    })
    for (const mode of [0o700, 0o500]) {
      chmodSync(store, mode)
      expect(await permissionProblems([{ path: store, type: 'dir' }])).toEqual([])
    }
    chmodSync(store, 0o750)
    expect(await permissionProblems([{ path: store, type: 'dir' }])).toEqual([
      {
        code: 'permissions',
        path: store,
        message: `${store} has mode 0750, expected 0700`,
        hint: `chmod 700 ${store}`,
      },
    ])
  })

  it('a path that does not exist is skipped', async () => {
    const { store } = scratch()
    expect(
      await permissionProblems([
        { path: join(store, 'gone'), type: 'file', name: 'gone' },
        { path: join(store, 'nodir'), type: 'dir' },
      ]),
    ).toEqual([])
  })

  it.runIf(process.getuid?.() === 0)('a file another user owns is reported with a chown hint', async () => {
    const { store } = scratch()
    const path = join(store, 'theirs')
    writeFileSync(path, 'x', { mode: 0o600 })
    chownSync(path, 4242, 4242)
    expect(await permissionProblems([{ path, type: 'file', name: 'theirs' }])).toEqual([
      {
        code: 'permissions',
        path,
        name: 'theirs',
        message: `${path} is owned by uid 4242, not by you (uid 0)`,
        hint: `chown 0 ${path}`,
      },
    ])
  })

  it('outside a git work tree, or with only directories to ask about, there is nothing to report', async () => {
    const { store } = scratch()
    writeFileSync(join(store, 'a'), 'x')
    expect(await gitProblems([{ path: join(store, 'a'), type: 'file', name: 'a' }])).toEqual([])
    const repo = fresh('version: 1\n', { git: true })
    expect(await gitProblems([{ path: repo, type: 'dir' }])).toEqual([])
    expect(await gitProblems([])).toEqual([])
  })

  it('tracked wins over ignored, an ignored file is fine, and any other file is not-ignored', async () => {
    const repo = fresh('version: 1\n', { git: true })
    const dir = join(repo, 'deep', 'store')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(repo, '.gitignore'), 'deep/store/ignored_*\n')
    for (const name of ['ignored_tracked', 'ignored_plain', 'loose']) writeFileSync(join(dir, name), 'x')
    git(repo, 'add', '-f', 'deep/store/ignored_tracked')
    const problems = await gitProblems(
      ['ignored_tracked', 'ignored_plain', 'loose'].map((name) => ({
        path: join(dir, name),
        type: 'file' as const,
        name,
      })),
    )
    expect(problems.map((p) => [p.name, p.code])).toEqual([
      ['ignored_tracked', 'tracked'],
      ['loose', 'not-ignored'],
    ])
    expect(problems[0]!.hint).toBe(
      `git rm --cached ${join(dir, 'ignored_tracked')}, add it to .gitignore, and rotate it: it is in the history`,
    )
  })
})

const MANIFEST = `version: 1
project: unit
environments:
  development: { path: secrets/dev }
  staging: { path: secrets/dev }
  qa: { path: secrets/qa }
  production: { path: secrets/prod, distribute_to: [mirror] }
  mirror: { path: secrets/mirror }
  cloud: { store: gcp, gcp_project: p1 }
secrets:
  session_key: { generate: base64:32 }
  cache_key: { generate: base64:32 }
  session_copy: { derive: "{{session_key}}" }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring, grace: 7d } }
  signing_key: { generate: ed25519 }
  db_user: { value: app }
  hf_token: { provide: true, pattern: '^hf_[A-Za-z0-9]{30,}$' }
  prod_only: { provide: true, required: [production] }
  later: { provide: true, optional: true }
`
/** each environment gets its own token (one value in two local stores is `reused`) */
const HF = 'hf_abcdefghijklmnopqrstuvwxyz0123456789'
const DAY = 86_400_000

/** Write entries through the store, as hush would, at the frozen time. */
async function put(p: Project, values: Record<string, string>): Promise<void> {
  await p.store.writeMany(
    Object.entries(values).map(([name, value]) => ({
      name,
      value,
      meta: { fingerprint: p.fingerprint(value), source: 'provided' as const, at: FROZEN.toISOString() },
    })),
  )
}

/** A git work tree whose given environments are complete and clean. */
async function ready(...envs: string[]): Promise<string> {
  const dir = fresh(MANIFEST, { git: true })
  writeFileSync(join(dir, '.gitignore'), '/secrets/\n.hush/\n')
  for (const env of envs.length > 0 ? envs : ['development']) {
    const p = await project(dir, env)
    await gen(p)
    await put(p, {
      hf_token: `${HF}${env}`,
      ...(env === 'production' ? { prod_only: 'tok_prod_only_7d1e0b' } : {}),
    })
  }
  return dir
}
const file = (dir: string, entry: string, env = 'dev') => join(dir, 'secrets', env, entry)
const pick = (findings: Finding[], secret?: string) =>
  findings.filter((f) => secret === undefined || f.secret === secret).map((f) => f.code)

describe('check: every rule over one environment', () => {
  it('a complete, clean environment has no findings; the summary counts every declared secret', async () => {
    const dir = await ready()
    expect(await check(await project(dir))).toEqual({
      env: 'development',
      findings: [],
      summary: { secrets: 9, errors: 0, warnings: 0, byCode: {} },
    })
  })

  it('missing: only secrets required here; the hint sets or generates, with -e outside development', async () => {
    const dir = await ready('development', 'production')
    rmSync(file(dir, 'hf_token'))
    rmSync(file(dir, 'session_key'))
    const dev = await check(await project(dir))
    // prod_only (required in production only) and later (optional) are absent here and fine
    expect(dev.findings.map((f) => [f.secret, f.code, f.hint])).toEqual([
      ['session_key', 'missing', 'hush gen'],
      ['hf_token', 'missing', 'hush set hf_token'],
    ])
    expect(dev.findings[0]).toMatchObject({ severity: 'error', env: 'development' })
    expect(dev.findings[0]!.message).toBe('session_key has no value in development')
    rmSync(file(dir, 'prod_only', 'prod'))
    rmSync(file(dir, 'cache_key', 'prod'))
    const prod = await check(await project(dir, 'production'))
    expect(prod.findings.map((f) => [f.secret, f.code, f.hint])).toEqual([
      ['cache_key', 'missing', 'hush gen -e production'],
      ['prod_only', 'missing', 'hush set prod_only -e production'],
    ])
    expect(prod.summary).toMatchObject({ errors: 2, warnings: 0, byCode: { missing: 2 } })
  })

  it('a key ring or key pair with some entries gone is missing, naming them, and its value is still checked', async () => {
    const dir = await ready()
    rmSync(file(dir, 'jwt_secret_previous'))
    rmSync(file(dir, 'signing_key.pub'))
    writeFileSync(file(dir, 'jwt_secret_primary'), 'CHANGEME_jwt')
    const { findings } = await check(await project(dir))
    expect(findings.map((f) => [f.secret, f.code, f.message])).toEqual([
      ['jwt_secret', 'missing', 'jwt_secret has no value in development (missing jwt_secret_previous)'],
      ['jwt_secret', 'placeholder', 'jwt_secret contains the placeholder marker CHANGEME'],
      ['signing_key', 'missing', 'signing_key has no value in development (missing signing_key.pub)'],
    ])
  })

  it('a key ring without its primary is missing once; the mirror left behind is not checked in its place', async () => {
    const dir = await ready()
    rmSync(file(dir, 'jwt_secret_primary'))
    writeFileSync(file(dir, 'jwt_secret'), 'CHANGEME')
    const { findings } = await check(await project(dir))
    expect(findings.map((f) => [f.secret, f.code, f.message])).toEqual([
      ['jwt_secret', 'missing', 'jwt_secret has no value in development (missing jwt_secret_primary)'],
    ])
  })

  it('duplicate names the first holder; derived copies and empty values are never compared', async () => {
    const dir = await ready()
    const p = await project(dir)
    const session = (await p.store.read('session_key'))!
    await put(p, { cache_key: session, hf_token: session }) // session_copy derives session_key: equal by design
    const dup = await check(p)
    expect(
      dup.findings.filter((f) => f.code === 'duplicate').map((f) => [f.secret, f.message, f.hint]),
    ).toEqual([
      [
        'cache_key',
        'cache_key holds the same value as session_key',
        'give each secret its own value: hush gen cache_key --force',
      ],
      [
        'hf_token',
        'hf_token holds the same value as session_key',
        'give each secret its own value: hush set hf_token',
      ],
    ])
    await put(p, { session_key: '', cache_key: '', hf_token: HF })
    // an empty value is no value; session_copy, whose input is gone, is not judged stale
    expect(pick((await check(p)).findings)).toEqual(['missing', 'missing'])
  })

  it('reused: another local store holding the value is reported; a shared store, a distribute_to pair and remote stores are not', async () => {
    const dir = await ready('development', 'qa', 'production', 'mirror')
    const dev = await project(dir)
    const session = (await dev.store.read('session_key'))!
    await put(await project(dir, 'qa'), { session_key: session })
    const prod = await project(dir, 'production')
    await put(await project(dir, 'mirror'), { cache_key: (await prod.store.read('cache_key'))! })

    // staging shares development's directory; cloud is a gcp store (never read here)
    const fromDev = await check(dev)
    expect(fromDev.findings).toEqual([
      {
        code: 'reused',
        severity: 'error',
        secret: 'session_key',
        env: 'development',
        message: 'session_key has the same value in development and qa',
        hint: 'give each environment its own value: hush gen session_key --force',
      },
    ])
    // from qa, development and staging are two environments (one directory): each is named
    expect((await check(await project(dir, 'qa'))).findings.map((f) => f.message)).toEqual([
      'session_copy does not match what its inputs compute to', // qa's session_key was copied in, its copy not
      'session_key has the same value in qa and development',
      'session_key has the same value in qa and staging',
    ])
    // production distributes to mirror: the same value there is by design
    expect((await check(prod)).findings).toEqual([])
    expect((await check(await project(dir, 'mirror'))).findings).toEqual([])
  })

  it('overdue follows the injected clock: due exactly now is fine, a millisecond later is a warning', async () => {
    const dir = await ready() // values written at FROZEN; jwt_secret rotates every 30d
    const due = FROZEN.getTime() + 30 * DAY
    const onTime = await check(await project(dir, 'development', () => new Date(due)))
    expect(onTime.findings).toEqual([])
    const late = await check(await project(dir, 'development', () => new Date(due + 1)))
    expect(late.findings).toEqual([
      {
        code: 'overdue',
        severity: 'warning',
        secret: 'jwt_secret',
        env: 'development',
        message: 'jwt_secret was last rotated 30d ago; the policy is every 30d',
        hint: 'rotate it: hush rotate jwt_secret',
      },
    ])
    expect(late.summary).toMatchObject({ errors: 0, warnings: 1, byCode: { overdue: 1 } })
  })

  it('file findings show paths relative to the project; the directory belongs to no secret; undeclared files are skipped', async () => {
    const dir = await ready()
    chmodSync(file(dir, 'session_key'), 0o644)
    chmodSync(join(dir, 'secrets', 'dev'), 0o755)
    writeFileSync(file(dir, 'old_token'), 'x', { mode: 0o644 })
    const { findings } = await check(await project(dir))
    expect(findings).toEqual([
      {
        code: 'permissions',
        severity: 'error',
        secret: '',
        env: 'development',
        message: 'secrets/dev has mode 0755, expected 0700',
        hint: `chmod 700 ${join(dir, 'secrets', 'dev')}`,
        path: join(dir, 'secrets', 'dev'),
      },
      {
        code: 'permissions',
        severity: 'error',
        secret: 'session_key',
        env: 'development',
        message: 'secrets/dev/session_key has mode 0644, expected 0600',
        hint: `chmod 600 ${file(dir, 'session_key')}`,
        path: file(dir, 'session_key'),
      },
    ])
  })

  it('a dotenv store file is checked too: its mode and git status belong to no one secret', async () => {
    const dir = fresh(
      'version: 1\nproject: unit\nenvironments:\n  development: { store: dotenv, path: .env }\nsecrets:\n  session_key: { generate: base64:32 }\n',
      { git: true },
    )
    await gen(await project(dir))
    chmodSync(join(dir, '.env'), 0o644)
    const { findings } = await check(await project(dir))
    expect(findings.map((f) => [f.code, f.secret, f.message])).toEqual([
      ['permissions', '', '.env has mode 0644, expected 0600'],
      ['not-ignored', '', '.env is not ignored by git'],
    ])
  })

  it('no finding, message or hint carries a value (canaries in every rule)', async () => {
    const dir = await ready('development', 'qa')
    const dev = await project(dir)
    const canaries = {
      session_key: Buffer.from(`CANARY_session_${'0'.repeat(17)}`).toString('base64'), // weak: not random
      cache_key: 'CANARY-cache-7f3a9e', // not base64 text
      hf_token: ' hf_CANARY_token_1b2c3d ', // pattern and whitespace
      signing_key: 'CANARY-not-a-pem', // weak
    }
    await put(dev, canaries)
    await put(await project(dir, 'qa'), { hf_token: canaries.hf_token }) // reused
    writeFileSync(file(dir, 'jwt_secret_primary'), 'CANARY_changeme_jwt') // placeholder
    chmodSync(file(dir, 'hf_token'), 0o666)
    const result = await check(dev)
    expect(new Set(pick(result.findings))).toEqual(
      new Set(['weak', 'pattern', 'whitespace', 'reused', 'placeholder', 'permissions', 'stale-derived']),
    )
    const text = JSON.stringify(result)
    for (const value of [...Object.values(canaries), 'CANARY_changeme_jwt']) {
      expect(text).not.toContain(value)
      expect(text).not.toContain(value.trim())
    }
    expect(text).not.toContain('CANARY')
  })
})
