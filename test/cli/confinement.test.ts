/**
 * A hostile or mistaken hush.yaml (issue 15, findings 1, 2 and 6): store paths stay inside the
 * project, outside .git/ and .hush/, off the manifest; hush never edits a file it did not create,
 * never chmods a directory it did not create, never reads or writes through a symlink; and check
 * and status notice a derived secret left stale by an interrupted gen. Real files, the real CLI.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hush, tmpProject } from '../helpers/project.js'

const manifestWith = (env: string, extra = '') =>
  `version: 1\nproject: hostile\nenvironments:\n  development: ${env}\nsecrets:\n  session_key: { generate: base64:32 }\n${extra}`

/** A directory outside the project, with a file an attacker would like to write to. */
function outsideDir(): { dir: string; bashrc: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hush-victim-'))
  chmodSync(dir, 0o755)
  const bashrc = join(dir, '.bashrc')
  writeFileSync(bashrc, 'export PS1="$ "\n')
  return { dir, bashrc }
}

describe('store paths from hush.yaml stay inside the project', () => {
  it.each([
    ['an absolute path', (o: string) => `{ path: ${o} }`],
    ['a path climbing out with ../', (o: string) => `{ path: ../../../../../../..${o} }`],
    ['a dotenv file outside the project', (o: string) => `{ store: dotenv, path: ${join(o, '.bashrc')} }`],
  ])('refuses %s, writes nothing there and changes no mode', async (_, env) => {
    const victim = outsideDir()
    const dir = tmpProject(manifestWith(env(victim.dir)))
    const r = await hush(['gen'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('HUSH_E_UNSAFE_PATH')
    expect(r.stderr).toContain('outside the project')
    expect(r.stderr).toContain('--allow-outside-project')
    expect(readdirSync(victim.dir)).toEqual(['.bashrc'])
    expect(readFileSync(victim.bashrc, 'utf8')).toBe('export PS1="$ "\n')
    expect(statSync(victim.dir).mode & 0o777).toBe(0o755)
  })

  it('refuses a store directory that is a symlink leading out of the project', async () => {
    const victim = outsideDir()
    const dir = tmpProject(manifestWith('{ path: secrets }'))
    symlinkSync(victim.dir, join(dir, 'secrets'))
    const r = await hush(['gen'], { cwd: dir })
    expect(r.stderr).toContain('HUSH_E_UNSAFE_PATH')
    expect(readdirSync(victim.dir)).toEqual(['.bashrc'])
  })

  it.each([
    ['the manifest', '{ store: dotenv, path: hush.yaml }', 'is the manifest'],
    ['.hush/', '{ path: .hush }', 'inside a .hush/'],
    ['.git/hooks', '{ path: .git/hooks }', 'inside a .git/'],
    ['the project directory itself', '{ path: . }', 'project directory itself'],
  ])('refuses %s even with --allow-outside-project', async (_, env, says) => {
    const dir = tmpProject(manifestWith(env))
    mkdirSync(join(dir, '.git', 'hooks'), { recursive: true })
    const before = readFileSync(join(dir, 'hush.yaml'), 'utf8')
    const r = await hush(['gen', '--allow-outside-project'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(says)
    expect(readFileSync(join(dir, 'hush.yaml'), 'utf8')).toBe(before)
    expect(readdirSync(join(dir, '.git', 'hooks'))).toEqual([])
  })

  it('writes outside only when the command line says so, never because hush.yaml does', async () => {
    const victim = outsideDir()
    const target = join(victim.dir, 'app-secrets')
    const dir = tmpProject(manifestWith(`{ path: ${target} }`))
    expect((await hush(['gen'], { cwd: dir })).code).toBe(2)
    const r = await hush(['gen', '--allow-outside-project'], { cwd: dir })
    expect(r.code).toBe(0)
    expect(existsSync(join(target, 'session_key'))).toBe(true)
    expect(statSync(victim.dir).mode & 0o777).toBe(0o755) // a directory hush did not create keeps its mode
  })
})

describe('files hush did not create', () => {
  it('refuses to edit an existing .env until --adopt, then keeps its other lines', async () => {
    const dir = tmpProject(manifestWith('{ store: dotenv, path: .env }'))
    writeFileSync(join(dir, '.env'), '# local settings\nLOG_LEVEL=debug\n')
    const refused = await hush(['gen'], { cwd: dir })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('was not written by hush')
    expect(refused.stderr).toContain('--adopt')
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('# local settings\nLOG_LEVEL=debug\n')
    expect((await hush(['gen', '--adopt'], { cwd: dir })).code).toBe(0)
    const text = readFileSync(join(dir, '.env'), 'utf8')
    expect(text.startsWith('# local settings\nLOG_LEVEL=debug\n')).toBe(true)
    expect(text).toContain('SESSION_KEY=')
    expect((await hush(['gen', 'session_key', '--force'], { cwd: dir })).code).toBe(0) // adopted for good
  })

  it('leaves an existing store directory mode alone (check reports it) until --adopt', async () => {
    const dir = tmpProject(manifestWith('{ path: secrets }'))
    mkdirSync(join(dir, 'secrets'), { mode: 0o755 })
    chmodSync(join(dir, 'secrets'), 0o755)
    expect((await hush(['gen'], { cwd: dir })).code).toBe(0)
    expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o755)
    const check = await hush(['check', '--format', 'json'], { cwd: dir })
    expect(JSON.parse(check.stdout).findings.map((f: { code: string }) => f.code)).toContain('permissions')
    // the user hands it over: the next write makes it 0700
    expect((await hush(['gen', 'session_key', '--force', '--adopt'], { cwd: dir })).code).toBe(0)
    expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o700)
  })
})

describe('symlinks are not followed', () => {
  it('a store entry linked to another file is not read, not kept, not chmodded: check names it', async () => {
    const dir = tmpProject(manifestWith('{ path: secrets }'))
    const victim = outsideDir()
    const shadow = join(victim.dir, 'shadow')
    writeFileSync(shadow, 'CANARY-root-password-hash\n', { mode: 0o644 })
    chmodSync(shadow, 0o644)
    mkdirSync(join(dir, 'secrets'), { mode: 0o700 })
    symlinkSync(shadow, join(dir, 'secrets', 'session_key'))
    const outputs: string[] = []
    for (const args of [
      ['get', 'session_key', '--reveal'],
      ['gen'],
      ['check'],
      ['status'],
      ['run', '--', 'env'],
    ]) {
      const r = await hush(args, { cwd: dir })
      outputs.push(r.stdout, r.stderr)
      if (args[0] !== 'check' && args[0] !== 'status') expect(r.code, args.join(' ')).not.toBe(0)
    }
    const check = await hush(['check', '--format', 'json'], { cwd: dir })
    const found = JSON.parse(check.stdout).findings
    expect(found.map((f: { code: string }) => f.code)).toContain('unsafe-file')
    expect(JSON.stringify(found)).not.toContain('chmod')
    expect(outputs.join('\n')).not.toContain('CANARY-root-password-hash')
    expect(statSync(shadow).mode & 0o777).toBe(0o644)
    expect(readFileSync(shadow, 'utf8')).toBe('CANARY-root-password-hash\n')
  })

  it('a symlinked .hush/ gets no key, no audit line, no index', async () => {
    const dir = tmpProject(manifestWith('{ path: secrets }'))
    const victim = outsideDir()
    symlinkSync(victim.dir, join(dir, '.hush'))
    const r = await hush(['gen'], { cwd: dir })
    expect(r.stderr).toContain('HUSH_E_UNSAFE_PATH')
    expect(r.stderr).toContain('symlink')
    expect(readdirSync(victim.dir)).toEqual(['.bashrc'])
    expect(statSync(victim.dir).mode & 0o777).toBe(0o755)
  })

  it('export kustomize -o through a symlinked directory writes nothing there', async () => {
    const dir = tmpProject(manifestWith('{ path: secrets }'))
    expect((await hush(['gen'], { cwd: dir })).code).toBe(0)
    const victim = outsideDir()
    symlinkSync(victim.dir, join(dir, 'k8s'))
    const r = await hush(['export', 'kustomize', '-o', 'k8s'], { cwd: dir })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('symlink')
    expect(readdirSync(victim.dir)).toEqual(['.bashrc'])
  })
})

describe('a derived secret left stale by an interrupted gen', () => {
  const derived = `  db_password: { generate: password:24 }
  database_url: { derive: 'postgres://app:{{db_password | url}}@db/app' }
`
  it('check and status report it by name, without the value, and gen repairs it', async () => {
    const dir = tmpProject(manifestWith('{ path: secrets }', derived))
    expect((await hush(['gen'], { cwd: dir })).code).toBe(0)
    // what a SIGKILL between the two writes leaves: the input changed, the derived value not yet
    writeFileSync(join(dir, 'secrets', 'db_password'), 'CANARY-new-db-password-1')
    const check = await hush(['check', '--format', 'json'], { cwd: dir })
    const stale = JSON.parse(check.stdout).findings.filter(
      (f: { code: string }) => f.code === 'stale-derived',
    )
    expect(stale).toMatchObject([{ secret: 'database_url', hint: expect.stringContaining('hush gen') }])
    expect(check.code).not.toBe(0)
    const status = await hush(['status', '--json'], { cwd: dir })
    expect(
      JSON.parse(status.stdout).rows.find((r: { secret: string }) => r.secret === 'database_url').state,
    ).toBe('stale')
    expect(check.stdout + check.stderr + status.stdout + status.stderr).not.toContain(
      'CANARY-new-db-password-1',
    )
    expect((await hush(['gen'], { cwd: dir })).code).toBe(0)
    expect(JSON.parse((await hush(['check', '--format', 'json'], { cwd: dir })).stdout).findings).toEqual([])
  })
})
