/**
 * The pre-commit framework (https://pre-commit.com, Debian's `pre-commit`) installs this
 * repository's hook from git, as a user's .pre-commit-config.yaml would, and the hook blocks a
 * commit that leaks a credential. It installs from the committed HEAD (uncommitted changes are not
 * part of it) and needs the npm registry, as pre-commit itself does.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { available } from '../helpers/servers.js'

const root = resolve(import.meta.dirname, '../..')

describe.runIf(available('pre-commit'))('the pre-commit framework hook (.pre-commit-hooks.yaml)', () => {
  it('installs from git and fails a commit that leaks a credential, naming the rule and not the value', () => {
    const home = mkdtempSync(join(tmpdir(), 'hush-pre-commit-'))
    const repo = join(home, 'project')
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' })
    execFileSync('git', ['init', '-q', repo])
    git('config', 'user.email', 'dev@example.test')
    git('config', 'user.name', 'dev')
    const rev = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
    writeFileSync(
      join(repo, '.pre-commit-config.yaml'),
      `repos:\n  - repo: ${root}\n    rev: ${rev}\n    hooks: [{ id: hush-scan }]\n`,
    )
    writeFileSync(join(repo, 'hush.yaml'), 'version: 1\nproject: demo\nsecrets: {}\n')
    git('add', '-A')
    git('commit', '-qm', 'clean')
    const key = ['AKIA', 'QYLPMN5HFIQR7XYZ'].join('') // an AWS access key id shape
    writeFileSync(join(repo, 'settings.py'), `AWS_ACCESS_KEY_ID = "${key}"\n`)
    git('add', 'settings.py')
    const env = { ...process.env, PRE_COMMIT_HOME: join(home, 'cache') }
    const run = spawnSync('pre-commit', ['run'], { cwd: repo, env, encoding: 'utf8' })
    const out = run.stdout + run.stderr
    expect(out).toContain('aws-access-key-id')
    expect(out).toContain('settings.py')
    expect(out).not.toContain(key)
    expect(run.status).toBe(1)
    // the same hook passes once the leak is gone
    writeFileSync(join(repo, 'settings.py'), 'AWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]\n')
    git('add', 'settings.py')
    const clean = spawnSync('pre-commit', ['run'], { cwd: repo, env, encoding: 'utf8' })
    expect(clean.stdout).toContain('Passed')
    expect(clean.status).toBe(0)
  }, 600_000)
})
