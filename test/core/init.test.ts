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
import { credentialUrl, serverImage } from '../../src/core/init/servers.js'
import { parseManifest } from '../../src/core/manifest/load.js'
import { membersOf } from '../../src/core/manifest/members.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/init/', import.meta.url))
const NEMO = join(FIXTURES, 'nemo')
const NEMO_COMPOSE = join(NEMO, 'docker/docker-compose.yml')
const NEMO_ENV = join(NEMO, '.env.example')
const HOSTILE = join(FIXTURES, 'hostile')
const STACK = join(FIXTURES, 'stack')

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
    expect(text).toMatch(/production keeps its own values, apart from development's/)
    const m = parseManifest(text, join(NEMO, 'hush.yaml'))
    expect(m.project).toBe('nemo')
    expect(m.environments.get('development')!.path).toBe(join(NEMO, 'docker/secrets'))
    // production never shares development's directory: hush set -e production would overwrite it
    expect(m.environments.get('production')).toMatchObject({
      store: 'files',
      path: join(NEMO, '.secrets/production'),
    })
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

  it('proposes how the consumers of each generated secret learn a new value', () => {
    const rotates = Object.fromEntries(inf.secrets.filter((s) => s.rotate).map((s) => [s.name, s.rotate]))
    expect(rotates).toEqual({
      session_key: { consumers: 'restart' },
      users_db_key: { consumers: 'restart' },
      rag_db_key: { consumers: 'restart' },
      s3_secret_key: { consumers: 'restart' },
      minio_root_password: { consumers: 'restart' },
      // the superuser password the postgres image set: one role, one password
      postgres_password: { via: 'postgres' },
      // requirepass is the default user's password: redis 7 holds old and new through grace
      redis_password: { via: 'redis', grace: '1d' },
      // grafana keeps its admin password after the first start; hush cannot change it there
      grafana_admin_password: { strategy: 'manual' },
    })
    expect(byName(inf).get('jwt_secret')!.rotate).toBeUndefined() // a key ring: rotate: { strategy: keyring }
    expect(byName(inf).get('grafana_admin_password')!.note).toMatch(
      /grafana .*hush set grafana_admin_password/,
    )
    expect(inf.rotators.map((r) => [r.name, Object.fromEntries(r.settings)])).toEqual([
      [
        'postgres',
        {
          type: 'postgres',
          host: 'postgres',
          port: 5432,
          admin: 'postgres_password',
          admin_user: 'nemo_user', // POSTGRES_USER_FILE reads postgres_user
          role: 'nemo_user',
        },
      ],
      ['redis', { type: 'redis', host: 'redis', port: 6379, user: 'default' }],
    ])
    const [postgres, redis] = inf.rotators
    expect(postgres!.notes.join(' ')).toMatch(/its consumers \(rag\) fail .*--allow-downtime/)
    expect(postgres!.notes.join(' ')).toMatch(/the value of postgres_user/)
    // the compose service names resolve only inside the compose network
    for (const r of [postgres!, redis!]) expect(r.notes.join(' ')).toMatch(/publish the port/)
  })

  it('renders the proposals, and the loader reads them back', () => {
    const text = renderManifest(inf)
    expect(text).toContain('  session_key:\n    generate: base64:32\n    rotate: { consumers: restart }\n')
    expect(text).toContain('    rotate: { via: redis, grace: 1d }\n')
    expect(text).toMatch(/\nrotators:\n( {2}#.*\n)+ {2}postgres:\n {4}type: postgres\n {4}host: postgres\n/)
    const m = parseManifest(text, join(NEMO, 'hush.yaml'))
    expect(m.warnings).toEqual([])
    expect(m.byName.get('session_key')!.rotation).toMatchObject({ strategy: 'replace', consumers: 'restart' })
    expect(m.byName.get('postgres_password')!.rotation).toMatchObject({ via: 'postgres', every: '90d' })
    expect(m.byName.get('redis_password')!.rotation).toMatchObject({ via: 'redis', grace: '1d' })
    expect(m.byName.get('grafana_admin_password')!.rotation).toMatchObject({ strategy: 'manual' })
    expect(m.rotators.postgres).toMatchObject({ type: 'postgres', role: 'nemo_user' })
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

describe('hush init on a compose file that runs PostgreSQL and Redis for an app', () => {
  let inf: Inference
  beforeAll(async () => {
    inf = await inferFromSources(STACK, [{ path: join(STACK, 'compose.yaml'), kind: 'compose' }])
  })
  const rotator = (name: string) => {
    const r = inf.rotators.find((x) => x.name === name)
    return r && { ...Object.fromEntries(r.settings), notes: r.notes.join('\n') }
  }

  it('proposes a rotator for what a server holds, a restart for what only the app holds', () => {
    expect(inf.warnings).toEqual([])
    expect(Object.fromEntries(inf.secrets.map((s) => [s.name, s.rotate ?? s.kind]))).toEqual({
      postgres_password: { via: 'db' },
      app_db_password: { via: 'app_db', grace: '1d' },
      redis_password: { via: 'cache', grace: '1d' },
      session_key: { consumers: 'restart' },
      jwt_secret: 'keyring',
      worker_db_password: { via: 'worker_db', grace: '1d' },
      worker_cache_password: { via: 'worker_cache', grace: '1d' },
    })
  })

  it('reaches the servers on their published ports, and says what the user must set up', () => {
    // the superuser: one role, one password (--allow-downtime)
    expect(rotator('db')).toMatchObject({
      type: 'postgres',
      host: '127.0.0.1',
      port: 5433,
      admin: 'postgres_password',
      admin_user: 'postgres',
      role: 'postgres',
    })
    expect(rotator('db')!.notes).toContain('--allow-downtime')
    // a password the server's init scripts read, and one a connection URL logs in with: role pairs
    for (const base of ['app_db', 'worker_db'])
      expect(rotator(base)).toMatchObject({
        type: 'postgres',
        host: '127.0.0.1',
        port: 5433,
        database: 'app',
        admin: 'postgres_password',
        roles: [`${base}_a`, `${base}_b`],
        notes: expect.stringContaining(`CREATE ROLE ${base}_a LOGIN PASSWORD '…' IN ROLE ${base}_owner;`),
      })
    expect(rotator('cache')).toMatchObject({ type: 'redis', host: '127.0.0.1', port: 6380, user: 'default' })
    expect(rotator('worker_cache')).toMatchObject({
      type: 'redis',
      port: 6380,
      user: 'worker',
      admin: 'redis_password',
      notes: expect.stringContaining('ACL SETUSER worker on >… ~* +@all'),
    })
    for (const r of inf.rotators) expect(r.notes.join(' ')).not.toContain('publish the port')
  })

  it('renders a manifest the loader accepts, with the active roles beside the role-pair passwords', () => {
    const text = renderManifest(inf)
    expect(text).toContain('  # CREATE ROLE app_db_owner NOLOGIN;\n')
    const m = parseManifest(text, join(STACK, 'hush.yaml'))
    expect(m.warnings).toEqual([])
    expect(m.byName.get('app_db_password')!.activeRole).toEqual({
      entry: 'app_db_user',
      roles: ['app_db_a', 'app_db_b'],
    })
    expect(m.byName.get('session_key')!.rotation).toMatchObject({ consumers: 'restart' })
    expect(m.byName.get('redis_password')!.rotation).toMatchObject({ via: 'cache', graceMs: 86_400_000 })
    expect(storeEntries(inf, STACK)).toContain('worker_db_user')
  })
})

describe('hush init: which server holds a secret', () => {
  it('knows postgres and redis whatever the registry, tag or vendor, and nothing else', () => {
    for (const image of [
      'postgres',
      'postgres:16-alpine',
      'docker.io/library/postgres:16',
      'bitnami/postgresql:15.4.0',
      'localhost:5000/postgres:16@sha256:0123',
      'postgis/postgis:16-3.4',
    ])
      expect(serverImage(image)?.kind, image).toBe('postgres')
    for (const image of ['redis', 'redis:7-alpine', 'redis/redis-stack:latest', 'bitnami/redis:7.2'])
      expect(serverImage(image)?.kind, image).toBe('redis')
    expect(serverImage('redis:5.0.14')).toMatchObject({ kind: 'redis', major: 5 })
    expect(serverImage('grafana/grafana:10.4.1')?.kind).toBe('keeper')
    for (const image of ['example/app', 'prometheuscommunity/postgres-exporter', 'oliver006/redis_exporter'])
      expect(serverImage(image), image).toBeUndefined()
  })

  it('reads the user, the password variable and the host of a connection URL', () => {
    expect(credentialUrl(`postgresql://app:${ref('APP_DB_PASSWORD')}@db:5432/app`)).toEqual({
      scheme: 'postgresql',
      user: 'app',
      passwordVar: 'APP_DB_PASSWORD',
      host: 'db',
    })
    expect(
      credentialUrl(`postgresql+asyncpg://${ref('DB_USER:-app')}:${ref('DB_PASS')}@${ref('DB_HOST:-pg')}/x`),
    ).toMatchObject({
      user: 'app',
      passwordVar: 'DB_PASS',
      host: 'pg',
    })
    expect(credentialUrl('redis://:$REDIS_PASSWORD@cache')).toMatchObject({ user: '', host: 'cache' })
    expect(credentialUrl('postgresql://app:literal@db/app')).toBeUndefined()
    expect(credentialUrl(`http://example.com/${ref('TOKEN')}`)).toBeUndefined()
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

  it('proposes server rotators from env-style passwords, an old redis, the host network and vendor images', async () => {
    const inf = await inferText({
      'compose.yml': stringify({
        services: {
          pg: {
            image: 'bitnami/postgresql:16',
            network_mode: 'host',
            environment: { POSTGRES_PASSWORD: ref('PG_PASS'), POSTGRES_USER: 'app' },
          },
          old: { image: 'redis:5-alpine', command: `redis-server --requirepass ${ref('REDIS_PASSWORD')}` },
          web: {
            image: 'example/web',
            environment: [
              `CACHE_URL=redis://:${ref('REDIS_PASSWORD')}@old:6379`,
              `ADMIN_PASSWORD=${ref('ADMIN_PASSWORD')}`,
            ],
          },
        },
      }),
    })
    const s = byName(inf)
    expect(s.get('pg_pass')!.rotate).toEqual({ via: 'pg' })
    expect(s.get('redis_password')!.rotate).toEqual({ via: 'old' }) // no grace: redis 5 has one password
    expect(s.get('admin_password')!.rotate).toEqual({ consumers: 'restart' })
    expect(inf.rotators.map((r) => [r.name, Object.fromEntries(r.settings)])).toEqual([
      [
        'pg',
        { type: 'postgres', host: '127.0.0.1', port: 5432, admin: 'pg_pass', admin_user: 'app', role: 'app' },
      ],
      ['old', { type: 'redis', host: 'old', port: 6379, mode: 'requirepass' }],
    ])
    expect(inf.rotators[1]!.notes.join(' ')).toMatch(/its consumers \(web\) fail .*--allow-downtime/)
    expect(parseManifest(renderManifest(inf), join(dir, 'hush.yaml')).warnings).toEqual([])
  })

  it('never proposes a restart for the password of a server no compose file runs', async () => {
    const inf = await inferText({ '.env.example': 'DB_PASSWORD=\nSMTP_RELAY_PASSWORD=\n' })
    expect(byName(inf).get('db_password')).toMatchObject({
      rotate: { strategy: 'manual' },
      note: expect.stringMatching(/no compose file runs/),
    })
    expect(byName(inf).get('smtp_relay_password')!.rotate).toEqual({ consumers: 'restart' })
  })

  it('turns the fixed user of a role-pair password into its active role', async () => {
    const inf = await inferText({
      'compose.yml': stringify({
        services: {
          db: {
            image: 'postgres:16',
            environment: { POSTGRES_PASSWORD_FILE: '/run/secrets/pg_admin' },
            secrets: ['pg_admin'],
          },
          api: {
            environment: {
              DATABASE_URL: `postgresql://${ref('APP_DB_USER:-app')}:${ref('APP_DB_PASSWORD')}@db/app`,
            },
          },
        },
        secrets: { pg_admin: { file: './secrets/pg_admin' } },
      }),
    })
    const s = byName(inf)
    expect(s.has('app_db_user')).toBe(false)
    expect(s.get('app_db_password')).toMatchObject({
      rotate: { via: 'app_db', grace: '1d' },
      note: expect.stringContaining('app_db_user is no longer a fixed value'),
    })
    const m = parseManifest(renderManifest(inf), join(dir, 'hush.yaml'))
    expect(m.byName.get('app_db_password')!.activeRole!.entry).toBe('app_db_user')
    expect(storeEntries(inf, dir)).toEqual(['app_db_password', 'app_db_user', 'pg_admin'])
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
    const IMAGES = ['postgres:16', 'redis:7', 'redis:5', 'grafana/grafana', 'example/app']
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
                  image: IMAGES[i % IMAGES.length],
                  command: `redis-server --requirepass "$$(cat /run/secrets/${names[i] ?? 'x'})"`,
                  secrets: names.slice(i),
                  environment: [
                    ...names.map((n) => `${n.toUpperCase()}_FILE=/run/secrets/${n}`),
                    `POSTGRES_PASSWORD_FILE=/run/secrets/${names[i] ?? 'x'}`,
                    `DATABASE_URL=postgresql://u:\${${(names[i + 1] ?? 'x').toUpperCase()}}@${services[0]}/db`,
                  ],
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
          for (const s of m.secrets) if (s.rotation?.via) expect(m.rotators[s.rotation.via]).toBeDefined()
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
    rotators: [],
    services: {},
    ignoredKeys: [],
    warnings: [],
  })

  it('adds the store directory, .secrets/ (production) and .hush/, then nothing once they are there', () => {
    const first = gitignoreAdditions(undefined, inf('docker/secrets'))
    expect(first).toEqual(['/docker/secrets/', '/.secrets/', '.hush/'])
    const after = `node_modules/\n${first.join('\n')}\n`
    expect(gitignoreAdditions(after, inf('docker/secrets'))).toEqual([])
  })

  it('counts an equivalent line as present, but not a comment or a negation', () => {
    expect(
      gitignoreAdditions(
        'docker/secrets/*\n!docker/secrets/README.md\n/.hush\n.secrets\n',
        inf('docker/secrets'),
      ),
    ).toEqual([])
    expect(gitignoreAdditions('# docker/secrets/\n!.hush/\n.secrets/\n', inf('docker/secrets'))).toEqual([
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

describe('init: production keeps its own values', () => {
  it('a Swarm stack (compose secrets external: true) gets production: { store: swarm } with its own path', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hush-swarm-stack-'))
    await writeFile(
      join(root, 'docker-compose.yml'),
      'version: "3.8"\nservices:\n  api:\n    image: api\n    secrets: [session_key]\nsecrets:\n  session_key:\n    external: true\n',
    )
    const inf = await inferFromSources(root, [{ path: join(root, 'docker-compose.yml'), kind: 'compose' }])
    expect(inf.swarmStack).toBe(true)
    const text = renderManifest(inf)
    expect(text).toContain('compose declares its secrets external: true (a Swarm stack)')
    const m = parseManifest(text, join(root, 'hush.yaml'))
    expect(m.environments.get('production')).toMatchObject({
      store: 'swarm',
      path: join(root, '.secrets/production'),
    })
    expect(m.environments.get('development')!.path).not.toBe(m.environments.get('production')!.path)
  })
})
