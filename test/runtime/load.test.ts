import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { HushError } from '../../src/lib/errors.js'
import { loadSecrets, loadSecretsSync } from '../../src/runtime/load.js'
import { isProduction } from '../../src/runtime/resolve.js'
import { hush, tmpProject } from '../helpers/project.js'

function world() {
  const dir = mkdtempSync(join(tmpdir(), 'hush-rt-'))
  const secretsDir = join(dir, 'run-secrets')
  mkdirSync(secretsDir)
  const file = (name: string, content: string) => {
    const p = join(dir, name)
    writeFileSync(p, content)
    return p
  }
  return { dir, secretsDir, file }
}
const quiet = { onWarning: () => {} }
/** The items of the one HushError a call throws. */
function itemsOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return (err as HushError).items.map((i) => `${i.path}: ${i.message}`).join('\n')
  }
  return '(no error)'
}

describe('resolution chain', () => {
  it('prefers X_FILE, then $HUSH_SECRETS_DIR/x, then X', async () => {
    const w = world()
    writeFileSync(join(w.secretsDir, 'api_key'), 'from-dir')
    const viaFile = w.file('api.txt', 'from-file')
    const base = { HUSH_SECRETS_DIR: w.secretsDir, API_KEY: 'from-env' }
    const load = (env: Record<string, string>) =>
      loadSecretsSync({ required: ['api_key'], env, cwd: w.dir, ...quiet }).get('api_key')
    expect(load({ ...base, API_KEY_FILE: viaFile }).source).toBe(`API_KEY_FILE (${viaFile})`)
    expect(load({ ...base, API_KEY_FILE: viaFile }).reveal()).toBe('from-file')
    expect(load(base).reveal()).toBe('from-dir')
    expect(load({ API_KEY: 'from-env', HUSH_SECRETS_DIR: join(w.dir, 'none') }).reveal()).toBe('from-env')
  })

  it('falls back to the local store of the nearest hush.yaml outside production only', async () => {
    const dir = tmpProject(
      'version: 1\nproject: p\nenvironments: { development: { path: s } }\nsecrets:\n  db_password: { generate: password:24, env: PGPASSWORD }\n',
    )
    expect((await hush(['gen'], { cwd: dir })).code).toBe(0)
    const sub = join(dir, 'src', 'deep')
    mkdirSync(sub, { recursive: true })
    const env = { HUSH_SECRETS_DIR: join(dir, 'none') }
    const s = loadSecretsSync({ required: ['db_password'], env, cwd: sub, ...quiet })
    expect(s.get('db_password').source).toBe('store s/db_password')
    expect(s.get('db_password').reveal()).toHaveLength(24)
    // the env name comes from the manifest (env: PGPASSWORD)
    expect(
      loadSecretsSync({ required: ['db_password'], env: { ...env, PGPASSWORD: 'x' }, cwd: sub, ...quiet })
        .get('db_password')
        .reveal(),
    ).toBe('x')
    // without names, everything the manifest declares is loaded
    expect(loadSecretsSync({ env, cwd: sub, ...quiet }).names()).toEqual(['db_password'])
    expect(
      itemsOf(() =>
        loadSecretsSync({
          required: ['db_password'],
          env: { ...env, NODE_ENV: 'production' },
          cwd: sub,
          ...quiet,
        }),
      ),
    ).toMatch(/^db_password: missing/)
  })

  it('strips exactly one trailing newline', () => {
    const w = world()
    const env = (content: string) => ({ K_FILE: w.file(`k${content.length}`, content) })
    const get = (content: string) =>
      loadSecretsSync({ required: ['k'], env: env(content), cwd: w.dir, ...quiet })
        .get('k')
        .reveal()
    expect(get('abc\n')).toBe('abc')
    expect(get('abc\r\n')).toBe('abc')
    expect(get('abc\n\n')).toBe('abc\n')
    expect(get('abc')).toBe('abc')
  })

  it('reports sources that disagree: a warning, or an error in strict mode', () => {
    const w = world()
    writeFileSync(join(w.secretsDir, 'k'), 'one')
    const env = { HUSH_SECRETS_DIR: w.secretsDir, K: 'two-CANARY' }
    const warnings: string[] = []
    const s = loadSecretsSync({ required: ['k'], env, cwd: w.dir, onWarning: (m) => warnings.push(m) })
    expect(s.get('k').reveal()).toBe('one')
    expect(warnings).toEqual([
      `k: ${join(w.secretsDir, 'k')} and env K hold different values; ${join(w.secretsDir, 'k')} wins (remove the stale one)`,
    ])
    expect(
      itemsOf(() => loadSecretsSync({ required: ['k'], env, cwd: w.dir, strict: true, ...quiet })),
    ).toMatch(/hold different values/)
    expect(warnings.join()).not.toContain('CANARY')
  })

  it('in production, throws ONE error listing every problem with its source and a hint', async () => {
    const w = world()
    writeFileSync(join(w.secretsDir, 'empty_one'), '\n')
    writeFileSync(join(w.secretsDir, 'placeholder_one'), 'CHANGEME_please')
    const env = { NODE_ENV: 'production', HUSH_SECRETS_DIR: w.secretsDir, BROKEN_FILE: '/nonexistent/broken' }
    let error: HushError | undefined
    try {
      await loadSecrets({
        required: ['missing_one', 'empty_one', 'placeholder_one', 'broken'],
        optional: ['nice_to_have'],
        env,
        cwd: w.dir,
        ...quiet,
      })
    } catch (err) {
      error = err as HushError
    }
    expect(error?.code).toBe('HUSH_E_SECRETS')
    expect(error?.message).toBe("5 problem(s) with the application's secrets")
    const lines = error!.items.map((i) => `${i.path}: ${i.message}`)
    expect(lines[0]).toMatch(
      /^missing_one: missing \(looked in MISSING_ONE_FILE, .*\/missing_one, env MISSING_ONE\); mount it at \/run\/secrets\/missing_one/,
    )
    // an empty value is no value: the secret is missing, and the message says where it was empty
    expect(lines.find((l) => l.startsWith('empty_one:'))).toMatch(
      /^empty_one: missing \(looked in .*; empty in .*\/empty_one\); mount it at \/run\/secrets\/empty_one/,
    )
    expect(lines.find((l) => l.startsWith('placeholder_one:'))).toMatch(/placeholder marker CHANGEME \(from /)
    expect(lines).toContain('broken: BROKEN_FILE points at /nonexistent/broken, which does not exist')
    expect(lines.find((l) => l.startsWith('broken: missing'))).toBeDefined()
    expect(lines.join('\n')).not.toContain('CHANGEME_please')
  })

  it('an empty value is no value: required fails even outside production, optional is not loaded, a later source wins', () => {
    const w = world()
    writeFileSync(join(w.secretsDir, 'k'), '\n')
    const env = { HUSH_SECRETS_DIR: w.secretsDir }
    expect(itemsOf(() => loadSecretsSync({ required: ['k'], env, cwd: w.dir, ...quiet }))).toMatch(
      /^k: missing \(looked in .*; empty in .*\/k\)/,
    )
    const optional = loadSecretsSync({ optional: ['k', 'e'], env: { ...env, E: '' }, cwd: w.dir, ...quiet })
    expect(optional.has('k')).toBe(false)
    expect(optional.has('e')).toBe(false) // E= (compose's way of passing an unset variable)
    const later = loadSecretsSync({ required: ['k'], env: { ...env, K: 'from-env' }, cwd: w.dir, ...quiet })
    expect(later.get('k').source).toBe('env K')
  })

  it('outside production, placeholders are warnings', () => {
    const w = world()
    writeFileSync(join(w.secretsDir, 'k'), 'CHANGEME_later')
    const warnings: string[] = []
    const s = loadSecretsSync({
      required: ['k'],
      env: { HUSH_SECRETS_DIR: w.secretsDir },
      cwd: w.dir,
      onWarning: (m) => warnings.push(m),
    })
    expect(s.has('k')).toBe(true)
    expect(warnings[0]).toMatch(/^k: contains the placeholder marker CHANGEME/)
  })

  it('get() of a name that was not loaded explains itself', () => {
    const s = loadSecretsSync({ optional: ['x'], env: {}, cwd: '/', ...quiet })
    expect(s.has('x')).toBe(false)
    expect(() => s.get('x')).toThrow(/was not loaded or has no value/)
  })
})

describe('production detection', () => {
  const production = [
    { NODE_ENV: 'production' },
    { NODE_ENV: 'Production' },
    { NODE_ENV: 'PRODUCTION' },
    { NODE_ENV: ' production\n' },
    { NODE_ENV: 'prod' },
    { HUSH_ENV: 'production' },
    { HUSH_ENV: 'prod' },
    { HUSH_ENV: 'Prod' },
    { HUSH_ENV: 'PRODUCTION' },
    { HUSH_ENV: 'staging', NODE_ENV: 'Production' },
  ]
  const notProduction = [
    {},
    { NODE_ENV: '' },
    { NODE_ENV: 'development' },
    { NODE_ENV: 'test' },
    { NODE_ENV: 'production-like' },
    { HUSH_ENV: 'preprod' },
    { HUSH_ENV: 'staging' },
    { HUSH_ENV: 'pro duction' },
  ]

  it('is HUSH_ENV or NODE_ENV = production or prod, in any case, spaces around ignored', () => {
    for (const env of production) expect(isProduction(env), JSON.stringify(env)).toBe(true)
    for (const env of notProduction) expect(isProduction(env), JSON.stringify(env)).toBe(false)
  })

  it('NODE_ENV=Production and HUSH_ENV=prod turn on the production checks of loadSecrets', async () => {
    const w = world()
    writeFileSync(join(w.secretsDir, 'empty_one'), 'changeme\n') // a placeholder: an error only in production
    for (const env of [{ NODE_ENV: 'Production' }, { HUSH_ENV: 'prod' }, { NODE_ENV: 'PRODUCTION' }]) {
      const options = {
        required: ['empty_one'],
        env: { ...env, HUSH_SECRETS_DIR: w.secretsDir },
        cwd: w.dir,
        ...quiet,
      }
      expect(itemsOf(() => loadSecretsSync(options))).toMatch(/^empty_one: is a well-known default \(from /)
      await expect(loadSecrets(options)).rejects.toThrow("1 problem(s) with the application's secrets")
    }
    // outside production the same value is only a warning
    const warnings: string[] = []
    loadSecretsSync({
      required: ['empty_one'],
      env: { NODE_ENV: 'development', HUSH_SECRETS_DIR: w.secretsDir },
      cwd: w.dir,
      onWarning: (m) => warnings.push(m),
    })
    expect(warnings[0]).toMatch(/^empty_one: is a well-known default/)
  })
})
