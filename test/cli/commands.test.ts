/** The CLI as a user meets it: exit codes, refusals with hints, JSON output, transcripts. */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT_CODES } from '../../src/lib/exit-codes.js'
import { hush, tmpProject } from '../helpers/project.js'

const manifest = `version: 1
project: cmds
environments: { development: { path: secrets }, production: { path: prod } }
secrets:
  session_key: { generate: base64:32, rotate: 60d }
  hf_token: { provide: true, pattern: '^hf_[A-Za-z0-9]{30,}$', required: [production] }
  jwt_secret: { generate: base64:32, rotate: { every: 30d, strategy: keyring } }
  postgres_user: { value: app }
`
const HF = 'hf_abcdefghijklmnopqrstuvwxyz0123456789'

describe('hush gen (CLI)', () => {
  it('prints a table of name, action and fingerprint, and what still needs hush set', async () => {
    const dir = tmpProject(manifest)
    const r = await hush(['gen'], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^secret\s+action\s+fingerprint$/m)
    expect(r.stdout).toMatch(/^session_key\s+create\s+[0-9a-f]{12}$/m)
    expect(r.stdout).toMatch(/^jwt_secret_previous\s+create\s+[0-9a-f]{12}$/m)
    const prod = await hush(['gen', '-e', 'production'], { cwd: dir })
    expect(prod.stdout).toContain('still to provide in production:\n  hush set hf_token -e production')
    const again = await hush(['gen', '--json'], { cwd: dir })
    const doc = JSON.parse(again.stdout)
    expect(doc.rows.every((r: { action: string }) => r.action === 'keep' || r.action === 'optional')).toBe(
      true,
    )
  })
})

describe('hush set / get', () => {
  it('reads --stdin, strips one newline, checks the pattern, and get shows metadata only', async () => {
    const dir = tmpProject(manifest)
    const bad = await hush(['set', 'hf_token', '--stdin'], { cwd: dir, input: 'nope\n' })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('[HUSH_E_INPUT]')
    expect(bad.stderr).toContain('hint:')
    const ok = await hush(['set', 'hf_token', '--stdin'], { cwd: dir, input: `${HF}\n` })
    expect(ok.code).toBe(0)
    expect(readFileSync(join(dir, 'secrets', 'hf_token'), 'utf8')).toBe(HF)
    expect(statSync(join(dir, 'secrets', 'hf_token')).mode & 0o777).toBe(0o600)
    const info = await hush(['get', 'hf_token', '--json'], { cwd: dir })
    expect(JSON.parse(info.stdout)).toMatchObject({
      entry: 'hf_token',
      version: 1,
      source: 'provided',
      state: 'ok',
    })
    expect(info.stdout).not.toContain(HF)
  })

  it('reads --file and refuses placeholders unless --allow-placeholder', async () => {
    const dir = tmpProject('version: 1\nproject: p\nsecrets:\n  api_key: { provide: true }\n')
    writeFileSync(join(dir, 'value.txt'), 'your_api_key_here\n')
    const refused = await hush(['set', 'api_key', '--file', 'value.txt'], { cwd: dir })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('placeholder')
    expect(
      (await hush(['set', 'api_key', '--file', 'value.txt', '--allow-placeholder'], { cwd: dir })).code,
    ).toBe(0)
  })

  it('refuses to set what the manifest makes, and unknown names, with a hint', async () => {
    const dir = tmpProject(manifest)
    const fixed = await hush(['set', 'postgres_user', '--stdin'], { cwd: dir, input: 'x' })
    expect(fixed.code).toBe(2)
    expect(fixed.stderr).toContain('[HUSH_E_NOT_SETTABLE]')
    const ring = await hush(['set', 'jwt_secret', '--stdin'], { cwd: dir, input: 'x' })
    expect(ring.stderr).toContain('hush rotate jwt_secret')
    const unknown = await hush(['set', 'nope', '--stdin'], { cwd: dir, input: 'x' })
    expect(unknown.stderr).toContain('[HUSH_E_UNKNOWN_SECRET]')
  })

  it('without a terminal and without --stdin, says how to pipe the value in', async () => {
    const dir = tmpProject(manifest)
    const r = await hush(['set', 'hf_token'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--stdin')
  })

  it('get --reveal prints the value exactly and audits it', async () => {
    const dir = tmpProject(manifest)
    await hush(['gen'], { cwd: dir })
    const r = await hush(['get', 'jwt_secret_previous', '--reveal'], { cwd: dir })
    expect(r.stdout).toBe(readFileSync(join(dir, 'secrets', 'jwt_secret_previous'), 'utf8'))
    const tail = await hush(['audit', 'tail', '-n', '1'], { cwd: dir })
    expect(tail.stdout).toMatch(/reveal\s+development\s+jwt_secret_previous/)
  })
})

describe('hush status', () => {
  it('shows version, age, policy, next rotation and state per secret', async () => {
    const dir = tmpProject(manifest)
    await hush(['gen'], { cwd: dir })
    const r = await hush(['status'], { cwd: dir })
    expect(r.stdout).toMatch(/^secret\s+version\s+age\s+policy\s+next rotation\s+state$/m)
    expect(r.stdout).toMatch(/^session_key\s+1\s+0s\s+60d replace\s+\d{4}-\d{2}-\d{2}\s+ok$/m)
    expect(r.stdout).toMatch(/^jwt_secret\s+1\s+0s\s+30d keyring/m)
    expect(r.stdout).toMatch(/^hf_token\s+-.*optional$/m)
    expect((await hush(['status', '--check'], { cwd: dir })).code).toBe(0)
  })

  it('an empty HUSH_ENV counts as unset: development, as in the library', async () => {
    const dir = tmpProject(manifest)
    await hush(['gen'], { cwd: dir })
    const r = await hush(['status', '--json'], { cwd: dir, env: { HUSH_ENV: '' } })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).env).toBe('development')
    const flag = await hush(['status', '--json', '-e', ''], { cwd: dir, env: { HUSH_ENV: '' } })
    expect(flag.code).toBe(0)
    expect(JSON.parse(flag.stdout).env).toBe('development')
  })
})

describe('errors', () => {
  it('a malformed manifest exits 2 and lists every problem by dotted path', async () => {
    const dir = tmpProject(
      'version: 1\nproject: p\nsecrets:\n  a: { generate: base64:32, rotate: { every: soon } }\n  b: {}\n',
    )
    const r = await hush(['check'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[HUSH_E_MANIFEST_INVALID]')
    expect(r.stderr).toContain('secrets.a.rotate.every: expected a duration like 30d')
  })

  it('no manifest: exit 2 with a hint to run init', async () => {
    const dir = tmpProject('')
    const r = await hush(['status', '-C', '/'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('hush init')
  })

  it('an unknown environment names the ones that exist', async () => {
    const dir = tmpProject(manifest)
    const r = await hush(['check', '-e', 'prod'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('use one of: development, production')
  })

  it('a cloud store missing its location is refused clearly, with the setting to add', async () => {
    const dir = tmpProject(
      'version: 1\nproject: p\nenvironments: { production: { store: gcp } }\nsecrets:\n  a: { generate: hex:16 }\n',
    )
    const r = await hush(['gen', '-e', 'production'], {
      cwd: dir,
      env: { GOOGLE_CLOUD_PROJECT: '', CLOUDSDK_CORE_PROJECT: '' },
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[HUSH_E_USAGE]')
    expect(r.stderr).toContain('names no Google Cloud project')
    expect(r.stderr).toContain('gcp_project:')
  })

  it('--json errors are one document on stdout', async () => {
    const dir = tmpProject(manifest)
    const r = await hush(['get', 'nope', '--json'], { cwd: dir })
    expect(JSON.parse(r.stdout).error.code).toBe('HUSH_E_UNKNOWN_SECRET')
  })

  it('usage errors exit 2', async () => {
    const dir = tmpProject(manifest)
    expect((await hush(['frobnicate'], { cwd: dir })).code).toBe(2)
    expect((await hush(['check', '--format', 'xml'], { cwd: dir })).code).toBe(2)
  })
})

describe('hush --help', () => {
  it('lists every exit code of the table', async () => {
    const r = await hush(['--help'], { cwd: tmpProject(manifest) })
    expect(r.code).toBe(0)
    const table = r.stdout.slice(r.stdout.indexOf('Exit codes:'))
    expect(EXIT_CODES.map((e) => e.code)).toEqual([0, 1, 2, 3, 4, 126, 127])
    for (const e of EXIT_CODES) expect(table).toContain(`\n  ${e.code}  ${e.means}\n`)
  })
})

describe('hush doctor', () => {
  it('finds missing files, bad permissions, compose paths that do not exist and a store git does not ignore', async () => {
    const dir = tmpProject(manifest, { git: true })
    await hush(['gen'], { cwd: dir })
    chmodSync(join(dir, 'secrets', 'session_key'), 0o644)
    writeFileSync(
      join(dir, 'docker-compose.yml'),
      'secrets:\n  session_key: { file: ./secrets/session_key }\n  gone: { file: ./secrets/gone }\n',
    )
    const r = await hush(['doctor', '--json'], { cwd: dir, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } })
    expect(r.code).toBe(1)
    const probes = JSON.parse(r.stdout).probes as { check: string; status: string; message: string }[]
    const by = (check: string) => probes.find((p) => p.check === check)!
    expect(by('permissions').status).toBe('fail')
    expect(by('compose secrets').message).toContain('gone → ./secrets/gone')
    expect(by('git ignore').status).toBe('fail')
    expect(by('docker engine').status).toBe('warn')
  })
})
