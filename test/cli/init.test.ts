/** `hush init` on a compose file with 16 secrets, then `hush gen` and `hush check -e production`, as a user runs them. */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { git, hush } from '../helpers/project.js'

const FIXTURE = resolve(import.meta.dirname, '../fixtures/init/nemo')

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hush-init-'))
  cpSync(FIXTURE, dir, { recursive: true })
  git(dir, 'init', '-q')
  return dir
}

function composeFiles(dir: string): string[] {
  const doc = parse(readFileSync(join(dir, 'docker', 'docker-compose.yml'), 'utf8'))
  return Object.values(doc.secrets as Record<string, { file: string }>)
    .map((s) => s.file.replace('./secrets/', ''))
    .sort()
}

describe('hush init → gen → check', () => {
  it('produces a manifest that gen turns into exactly the files compose references, tokens left to hush set', async () => {
    const dir = project()
    const init = await hush(['init', '--from', 'docker/docker-compose.yml'], { cwd: dir })
    expect(init.code, init.stderr).toBe(0)
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toContain('/docker/secrets/')
    const gen = await hush(['gen', '--json'], { cwd: dir })
    expect(gen.code, gen.stderr).toBe(0)
    const { needsInput } = JSON.parse(gen.stdout)
    expect(needsInput.sort()).toEqual(['anthropic_api_key', 'huggingface_token', 'openai_api_key'])
    const written = readdirSync(join(dir, 'docker', 'secrets')).filter((n) => !n.startsWith('.'))
    expect([...written, ...needsInput].sort()).toEqual(composeFiles(dir))
    expect(composeFiles(dir).length).toBeGreaterThanOrEqual(15)

    // production has values of its own: gen there, and development's files stay as they were
    const contents = () => written.map((n) => readFileSync(join(dir, 'docker', 'secrets', n), 'utf8'))
    const before = contents()
    expect((await hush(['gen', '-q', '-e', 'production'], { cwd: dir })).code).toBe(0)
    expect(contents()).toEqual(before)
    expect(readFileSync(join(dir, '.secrets', 'production', 'session_key'), 'utf8')).not.toBe(
      readFileSync(join(dir, 'docker', 'secrets', 'session_key'), 'utf8'),
    )
    const check = await hush(['check', '-e', 'production', '--format', 'json'], { cwd: dir })
    expect(check.code).toBe(1)
    const findings = JSON.parse(check.stdout).findings as { code: string; secret: string }[]
    expect(
      findings
        .filter((f) => f.code === 'missing')
        .map((f) => f.secret)
        .sort(),
    ).toEqual(needsInput.sort())
    expect(findings.filter((f) => f.code !== 'missing')).toEqual([])
  })

  it('proposes rotators for the servers a compose file runs; gen and check are clean right after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hush-init-'))
    cpSync(resolve(import.meta.dirname, '../fixtures/init/stack'), dir, { recursive: true })
    git(dir, 'init', '-q')
    const init = await hush(['init'], { cwd: dir })
    expect(init.code, init.stderr).toBe(0)
    expect(init.stdout).toMatch(/^session_key +base64:32 +restart +compose secret session_key/m)
    expect(init.stdout).toMatch(/^postgres_password +password:24 +via db /m)
    expect(init.stdout).toContain('rotators: db, app_db, cache, worker_db, worker_cache')
    const gen = await hush(['gen', '--json'], { cwd: dir })
    expect(gen.code, gen.stderr).toBe(0)
    expect(JSON.parse(gen.stdout).needsInput).toEqual([])
    expect((await hush(['gen', '-q', '-e', 'production'], { cwd: dir })).code).toBe(0)
    for (const env of ['development', 'production']) {
      const check = await hush(['check', '-e', env], { cwd: dir })
      expect(check.code, check.stdout + check.stderr).toBe(0)
    }
    expect(readFileSync(join(dir, 'secrets', 'app_db_user'), 'utf8')).toBe('app_db_a')
  })

  it('never overwrites an existing manifest without --force', async () => {
    const dir = project()
    expect((await hush(['init', '--from', 'docker/docker-compose.yml'], { cwd: dir })).code).toBe(0)
    const again = await hush(['init', '--from', 'docker/docker-compose.yml'], { cwd: dir })
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('[HUSH_E_MANIFEST_EXISTS]')
    expect(again.stderr).toContain('--force')
    expect((await hush(['init', '--from', 'docker/docker-compose.yml', '--force'], { cwd: dir })).code).toBe(
      0,
    )
    // .gitignore lines are not added twice
    expect(readFileSync(join(dir, '.gitignore'), 'utf8').match(/\/docker\/secrets\//g)).toHaveLength(1)
  })

  it('reads .env.example too, and leaves configuration keys out', async () => {
    const dir = project()
    const r = await hush(
      ['init', '--from', 'docker/docker-compose.yml', '--from', '.env.example', '--json'],
      { cwd: dir },
    )
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.ignoredKeys).toContain('LOG_LEVEL')
    expect(existsSync(join(dir, 'hush.yaml'))).toBe(true)
  })
})
