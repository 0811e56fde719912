import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import {
  detectSourceKind,
  gitignoreAdditions,
  type Inference,
  type InferredSecret,
  inferFromSources,
  renderManifest,
} from '../../src/core/init/index.js'
import { parseManifest } from '../../src/core/manifest/load.js'
import { membersOf } from '../../src/core/manifest/members.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/init/', import.meta.url))
const NEMO = join(FIXTURES, 'nemo')
const NEMO_COMPOSE = join(NEMO, 'docker/docker-compose.yml')
const NEMO_ENV = join(NEMO, '.env.example')
const HOSTILE = join(FIXTURES, 'hostile')

/** The file names a compose file's top-level `secrets:` read. */
async function composeFileNames(path: string): Promise<string[]> {
  const doc = parse(await readFile(path, 'utf8')) as { secrets: Record<string, { file?: string }> }
  return Object.values(doc.secrets).flatMap((s) => (s.file ? [s.file.split('/').at(-1)!] : []))
}

/** Render, parse with the real loader, and list the store entries the manifest implies. */
function storeEntries(inf: Inference, root: string): string[] {
  const manifest = parseManifest(renderManifest(inf), join(root, 'hush.yaml'))
  return manifest.secrets.flatMap((s) => membersOf(s).map((m) => m.name)).sort()
}

/** `${NAME}` as compose writes it. */
const ref = (name: string) => `\${${name}}`
const byName = (inf: Inference) => new Map(inf.secrets.map((s) => [s.name, s]))
const how = (s: InferredSecret | undefined) =>
  s && { kind: s.kind, generate: s.generate, value: s.value, provide: s.provide }

describe('hush init on a seed-000 style project (compose + .env.example)', () => {
  let inf: Inference
  beforeAll(async () => {
    inf = await inferFromSources(NEMO, [
      { path: NEMO_COMPOSE, kind: 'compose' },
      { path: NEMO_ENV, kind: 'dotenv' },
    ])
  })

  it('names the project after the root directory and the store after the secrets directory', () => {
    expect(inf.project).toBe('nemo')
    expect(inf.storePath).toBe('docker/secrets')
    expect(inf.sources).toEqual(['docker/docker-compose.yml', '.env.example'])
    expect(inf.warnings).toEqual([])
  })

  it('classifies every secret by its name and example value', () => {
    const s = byName(inf)
    const key = { kind: 'key', generate: 'base64:32' }
    const password = { kind: 'password', generate: 'password:24' }
    const provided = { kind: 'provided', provide: true }
    const expected: Record<string, object> = {
      session_key: key,
      jwt_secret: { kind: 'keyring', generate: 'base64:32' },
      users_db_key: key,
      rag_db_key: key,
      s3_secret_key: key,
      postgres_user: { kind: 'user', value: 'nemo_user' },
      minio_root_user: { kind: 'user', value: 'nemo_user' },
      app_user: { kind: 'user', value: 'admin_user' },
      postgres_password: password,
      redis_password: password,
      grafana_admin_password: password,
      minio_root_password: password,
      huggingface_token: provided,
      openai_api_key: provided,
      anthropic_api_key: provided,
      mapbox_access_token: provided,
      database_url: provided,
    }
    expect(new Set(s.keys())).toEqual(new Set(Object.keys(expected)))
    for (const [name, want] of Object.entries(expected))
      expect({ name, ...how(s.get(name)) }).toMatchObject({ name, ...want })
  })

  it('marks guessed user names and suggests derive: for a URL with credentials', () => {
    const s = byName(inf)
    expect(s.get('postgres_user')!.note).toMatch(/guessed/)
    expect(s.get('app_user')!.note ?? '').not.toMatch(/guessed/)
    expect(s.get('database_url')!.note).toMatch(/derive:/)
    expect(s.get('database_url')!.note).not.toContain('u:p@')
  })

  it('collapses jwt_secret_primary / _previous / jwt_secret into one keyring that keeps its mirror', () => {
    const names = inf.secrets.map((s) => s.name)
    expect(names).not.toContain('jwt_secret_primary')
    expect(names).not.toContain('jwt_secret_previous')
    const jwt = byName(inf).get('jwt_secret')!
    expect(jwt.mirror).toBeUndefined()
    expect(jwt.from).toEqual(
      expect.arrayContaining([
        'compose secret jwt_secret_primary',
        'compose secret jwt_secret_previous',
        'compose secret jwt_secret',
      ]),
    )
  })

  it('maps services to the secrets they mount, keyring members collapsed, order kept', () => {
    expect(inf.services).toEqual({
      'api-gateway': ['session_key', 'jwt_secret', 'users_db_key'],
      rag: ['rag_db_key', 'huggingface_token', 'postgres_password', 'postgres_user', 'jwt_secret'],
      llm: ['openai_api_key', 'anthropic_api_key'],
      postgres: ['postgres_user', 'postgres_password'],
      redis: ['redis_password'],
      grafana: ['grafana_admin_password'],
      minio: ['minio_root_user', 'minio_root_password'],
      'storage-client': ['s3_secret_key'],
    })
  })

  it('sets env: only where a *_FILE variable is not the upper-cased name (map, list and __FILE forms)', () => {
    const envs = Object.fromEntries(inf.secrets.filter((s) => s.env).map((s) => [s.name, s.env]))
    expect(envs).toEqual({
      postgres_password: 'DATABASE_PASSWORD',
      huggingface_token: 'HF_TOKEN',
      grafana_admin_password: 'GF_SECURITY_ADMIN_PASSWORD',
    })
  })

  it('records where each secret was found, merging .env.example keys linked through *_FILE', () => {
    const s = byName(inf)
    expect(s.get('huggingface_token')!.from).toEqual([
      'compose secret huggingface_token',
      'HF_TOKEN_FILE in service rag',
      '.env.example HF_TOKEN',
    ])
    expect(s.get('postgres_password')!.from).toContain('POSTGRES_PASSWORD_FILE in service postgres')
    expect(s.get('rag_db_key')!.from).toContain('RAG_DB_KEY_FILE in service rag') // through the long-form target
    expect(s.get('openai_api_key')!.from).toContain(`${ref('OPENAI_API_KEY')} in service api-gateway`)
    expect(s.has('hf_token')).toBe(false)
  })

  it('leaves configuration keys out as not secret', () => {
    expect(new Set(inf.ignoredKeys)).toEqual(
      new Set([
        'LOG_LEVEL',
        'APP_DEBUG',
        'PORT',
        'REDIS_URL',
        'JWT_ALGORITHM',
        'JWT_ACCESS_TOKEN_EXPIRE_MINUTES',
        'S3_REGION',
      ]),
    )
  })

  it('renders a commented hush.yaml that the real loader accepts', () => {
    const text = renderManifest(inf)
    expect(text).toMatch(
      /^# hush\.yaml of nemo, generated by `hush init` from docker\/docker-compose\.yml, \.env\.example/,
    )
    expect(text).toContain(
      '# found: compose secret session_key; SESSION_KEY_FILE in service api-gateway\n  session_key:\n',
    )
    expect(text).toContain('# not secrets (not managed): LOG_LEVEL')
    expect(text).toMatch(/production can move to .*swarm/)
    const m = parseManifest(text, join(NEMO, 'hush.yaml'))
    expect(m.project).toBe('nemo')
    expect(m.environments.get('development')!.path).toBe(join(NEMO, 'docker/secrets'))
    expect(m.environments.get('production')!.path).toBe(join(NEMO, 'docker/secrets'))
    expect(m.byName.get('jwt_secret')!.rotation).toMatchObject({
      strategy: 'keyring',
      mirror: true,
      every: '90d',
    })
    expect(m.byName.get('postgres_password')!.env).toBe('DATABASE_PASSWORD')
    expect(m.byName.get('app_user')).toMatchObject({ source: 'fixed', value: 'admin_user' })
    expect(m.byName.get('huggingface_token')).toMatchObject({ source: 'provided', env: 'HF_TOKEN' })
    expect(m.services).toEqual(inf.services)
    expect(m.warnings).toEqual([])
  })

  it('implies exactly the store files compose references (from compose alone)', async () => {
    const composeOnly = await inferFromSources(NEMO, [{ path: NEMO_COMPOSE, kind: 'compose' }])
    const referenced = await composeFileNames(NEMO_COMPOSE)
    expect(referenced).toHaveLength(16)
    expect(storeEntries(composeOnly, NEMO)).toEqual([...referenced].sort())
  })

  it('with .env.example, adds only the secrets that .env.example alone names', async () => {
    const referenced = await composeFileNames(NEMO_COMPOSE)
    expect(storeEntries(inf, NEMO)).toEqual(
      [...referenced, 'app_user', 'database_url', 'mapbox_access_token'].sort(),
    )
  })
})

describe('hush init on hostile and broken compose files', () => {
  let inf: Inference
  beforeAll(async () => {
    inf = await inferFromSources(HOSTILE, [{ path: join(HOSTILE, 'compose.yaml'), kind: 'compose' }])
  })

  it('skips a secret named ../../etc/passwd with a warning, and never lets a path through', () => {
    expect(inf.warnings.some((w) => w.includes('"../../etc/passwd"') && w.includes('skipped'))).toBe(true)
    for (const s of inf.secrets) expect(s.name).toMatch(/^[a-z0-9_]+$/)
    expect(inf.services).toEqual({ app: ['signing_key', 'anthropic_api_key', 'web_token'] })
    const text = renderManifest(inf)
    expect(text).not.toContain('etc/passwd')
  })

  it('sets mirror: false on a keyring whose bare name nothing references', () => {
    const signing = byName(inf).get('signing_key')!
    expect(signing).toMatchObject({ kind: 'keyring', generate: 'base64:32', mirror: false })
    expect(renderManifest(inf)).toContain('rotate: { strategy: keyring, mirror: false }')
    expect(storeEntries(inf, HOSTILE)).toEqual([
      'anthropic_api_key',
      'signing_key_previous',
      'signing_key_primary',
      'web_token',
    ])
  })

  it('renames Web-Token to web_token and warns that compose reads another file name', () => {
    expect(byName(inf).get('web_token')).toMatchObject({ kind: 'provided', provide: true })
    expect(inf.warnings).toContain(
      'compose secret web_token reads secrets/Web-Token, but hush writes secrets/web_token; rename it and update compose',
    )
  })

  it("points out seed 004's misspelt *_FILE path", () => {
    expect(
      inf.warnings.some(
        (w) => w.includes('antrhopic_api_key') && w.includes('did you mean /run/secrets/anthropic_api_key'),
      ),
    ).toBe(true)
    expect(byName(inf).get('anthropic_api_key')!.note).toMatch(/external/)
  })
})

describe('hush init edge cases', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hush-init-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  const inferText = async (files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
    return inferFromSources(
      dir,
      Object.keys(files).map((name) => ({ path: join(dir, name), kind: detectSourceKind(name) })),
    )
  }

  it('classifies tricky .env.example keys', async () => {
    const inf = await inferText({
      '.env.example': [
        'SECRET_KEY_BASE=',
        'SESSION_COOKIE_NAME=sid',
        'PASSWORD_MIN_LENGTH=12',
        'AWS_ACCESS_KEY_ID=AKIAEXAMPLE',
        'AWS_SECRET_ACCESS_KEY=',
        'STRIPE_SECRET_KEY=sk_test_xxx',
        'SENTRY_DSN=https://abc@sentry.io/1',
        'DB_PASS=changeme',
        "SLACK_WEBHOOK='xoxb-123'",
        'CACHE_URL=redis://:pw@cache:6379',
        'PASSWORD_PEPPER=',
        'DB_USER=your_user_here',
        'CONFIG_FILE=/etc/app.conf',
      ].join('\n'),
    })
    const got = Object.fromEntries(inf.secrets.map((s) => [s.name, s.kind]))
    expect(got).toEqual({
      secret_key_base: 'key',
      aws_access_key_id: 'provided',
      aws_secret_access_key: 'provided',
      stripe_secret_key: 'provided',
      sentry_dsn: 'provided',
      db_pass: 'password',
      slack_webhook: 'provided',
      cache_url: 'provided',
      password_pepper: 'password',
      db_user: 'user',
    })
    expect(byName(inf).get('db_user')!.value).toBe(`${inf.project}_user`)
    expect(inf.ignoredKeys).toEqual(['SESSION_COOKIE_NAME', 'PASSWORD_MIN_LENGTH', 'CONFIG_FILE'])
  })

  it('reads export, quotes and inline comments in .env.example', async () => {
    const inf = await inferText({
      'env.sample': 'export  APP_LOGIN = "deploy" # who\nADMIN_USER=\'ops\'\n# X_USER=no\n',
    })
    expect(inf.secrets.map((s) => [s.name, s.value])).toEqual([
      ['app_login', 'deploy'],
      ['admin_user', 'ops'],
    ])
  })

  it('links a compose secret to the default of a compose variable as its user name and reports no store when nothing is a file', async () => {
    const inf = await inferText({
      'compose.yml': stringify({
        services: {
          db: {
            secrets: ['db_user'],
            environment: ['DB_USER_FILE=/run/secrets/db_user', `DB_USER=${ref('DB_USER:-app')}`],
          },
        },
        secrets: { db_user: { external: true } },
      }),
    })
    expect(byName(inf).get('db_user')).toMatchObject({ kind: 'user', value: 'app' })
    expect(inf.storePath).toBeUndefined()
    expect(renderManifest(inf)).toContain('path: ".secrets/development"')
  })

  it('drops an env override that would take another secret’s env name', async () => {
    const inf = await inferText({
      'compose.yml': stringify({
        services: { a: { secrets: ['foo', 'bar'], environment: { FOO_FILE: '/run/secrets/bar' } } },
        secrets: { foo: { file: './s/foo' }, bar: { file: './s/bar' } },
      }),
    })
    expect(inf.secrets.every((s) => s.env === undefined)).toBe(true)
    expect(inf.warnings.some((w) => w.includes('FOO'))).toBe(true)
    expect(() => parseManifest(renderManifest(inf), join(dir, 'hush.yaml'))).not.toThrow()
  })

  it('throws a usage error for a compose file that is not YAML, and an I/O error for a missing file', async () => {
    await expect(inferText({ 'bad.yml': 'services: [\n' })).rejects.toMatchObject({ code: 'HUSH_E_USAGE' })
    await expect(
      inferFromSources(dir, [{ path: join(dir, 'missing.env'), kind: 'dotenv' }]),
    ).rejects.toMatchObject({
      code: 'HUSH_E_IO',
    })
  })

  it('always renders a manifest the loader accepts, whatever the compose names (property)', async () => {
    const name = fc.oneof(
      fc.string(),
      fc.stringMatching(/^[a-z][a-z_]{0,8}(_primary|_previous|_password|_user|_token|_key|_url)?$/),
      fc.constantFrom(
        '../x',
        'a/b',
        '..',
        'Db-Pass',
        'null',
        'true',
        '123',
        '__proto__',
        'constructor',
        'k_primary',
        'k_previous',
        'k',
      ),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(name, { maxLength: 12 }),
        fc.array(fc.string(), { maxLength: 3 }),
        async (names, services) => {
          const compose = {
            services: Object.fromEntries(
              services.map((svc, i) => [
                svc,
                {
                  secrets: names.slice(i),
                  environment: names.map((n) => `${n.toUpperCase()}_FILE=/run/secrets/${n}`),
                },
              ]),
            ),
            secrets: Object.fromEntries(names.map((n) => [n, { file: `./secrets/${n}` }])),
          }
          await writeFile(join(dir, 'prop-compose.yml'), stringify(compose))
          const inf = await inferFromSources(dir, [{ path: join(dir, 'prop-compose.yml'), kind: 'compose' }])
          for (const s of inf.secrets) expect(s.name).toMatch(/^[a-z0-9_]+$/)
          const m = parseManifest(renderManifest(inf), join(dir, 'hush.yaml'))
          expect(m.secrets.length).toBe(inf.secrets.length)
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('gitignoreAdditions', () => {
  const inf = (storePath?: string): Inference => ({
    project: 'p',
    storePath,
    secrets: [],
    services: {},
    ignoredKeys: [],
    warnings: [],
  })

  it('adds the store directory and .hush/, then nothing once they are there', () => {
    const first = gitignoreAdditions(undefined, inf('docker/secrets'))
    expect(first).toEqual(['/docker/secrets/', '.hush/'])
    const after = `node_modules/\n${first.join('\n')}\n`
    expect(gitignoreAdditions(after, inf('docker/secrets'))).toEqual([])
  })

  it('counts an equivalent line as present, but not a comment or a negation', () => {
    expect(
      gitignoreAdditions('docker/secrets/*\n!docker/secrets/README.md\n/.hush\n', inf('docker/secrets')),
    ).toEqual([])
    expect(gitignoreAdditions('# docker/secrets/\n!.hush/\n', inf('docker/secrets'))).toEqual([
      '/docker/secrets/',
      '.hush/',
    ])
  })

  it('ignores the default .secrets/ store when compose names none', () => {
    expect(gitignoreAdditions('.hush/\r\n', inf())).toEqual(['/.secrets/'])
  })
})

describe('detectSourceKind', () => {
  it('treats YAML files as compose and anything else as dotenv', () => {
    expect(detectSourceKind('/p/docker/docker-compose.yml')).toBe('compose')
    expect(detectSourceKind('/p/compose.prod.YAML')).toBe('compose')
    expect(detectSourceKind('/p/stack.yml')).toBe('compose')
    expect(detectSourceKind('/p/.env.example')).toBe('dotenv')
    expect(detectSourceKind('/p/env.sample')).toBe('dotenv')
  })
})

describe('hush init regression', () => {
  it('leaves a compose service named __proto__ out (found by the property test, seed -370488960)', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { inferFromSources, renderManifest } = await import('../../src/core/init/index.js')
    const { parseManifest } = await import('../../src/core/manifest/load.js')
    const root = mkdtempSync(join(tmpdir(), 'hush-init-proto-'))
    writeFileSync(
      join(root, 'compose.yaml'),
      'services:\n  __proto__:\n    secrets: [constructor]\nsecrets:\n  constructor: { file: ./secrets/constructor }\n',
    )
    const inf = await inferFromSources(root, [{ path: join(root, 'compose.yaml'), kind: 'compose' }])
    expect(inf.warnings.join('\n')).toContain('__proto__')
    expect(() => parseManifest(renderManifest(inf), join(root, 'hush.yaml'))).not.toThrow()
  })
})
