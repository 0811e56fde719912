/**
 * Exports that write values into a git work tree keep them out of git (issue 16): `export k8s` and
 * `export kustomize` add their value files to the project's .gitignore before writing them, so
 * `git status` and `hush scan` never see them; a target git already tracks is refused, unwritten.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { git, hush, tmpProject } from '../helpers/project.js'

const MANIFEST = `version: 1
project: kept_out
environments: { development: { path: s } }
secrets:
  session_key: { generate: base64:32 }
  db_password: { generate: password:24 }
services:
  api: [session_key, db_password]
`

async function repo() {
  const dir = tmpProject(MANIFEST, { git: true })
  writeFileSync(join(dir, '.gitignore'), '/s/\n.hush/\n')
  expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
  return dir
}

describe('exports that write values keep them out of git', () => {
  it('export k8s adds its file to .gitignore; git status and hush scan do not see it', async () => {
    const dir = await repo()
    const r = await hush(['export', 'k8s', '-o', 'k8s/secrets.yaml'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('added /k8s/secrets.yaml to')
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe(
      '/s/\n.hush/\n# hush export: these hold secret values\n/k8s/secrets.yaml\n',
    )
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).not.toContain('k8s/')
    const scan = await hush(['scan'], { cwd: dir })
    expect(scan.code, scan.stdout).toBe(0)
    // a second export finds it ignored and adds nothing
    const again = await hush(['export', 'k8s', '-o', 'k8s/secrets.yaml'], { cwd: dir })
    expect(again.stdout).not.toContain('added')
    expect(readFileSync(join(dir, '.gitignore'), 'utf8').match(/k8s\/secrets.yaml/g)).toHaveLength(1)
  })

  it('export kustomize ignores the value files but not kustomization.yaml', async () => {
    const dir = await repo()
    const r = await hush(['export', 'kustomize', '-o', 'k8s/dev'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toContain(
      '/k8s/dev/*\n!/k8s/dev/kustomization.yaml\n',
    )
    const status = git(dir, 'status', '--porcelain', '--untracked-files=all')
    expect(status).toContain('k8s/dev/kustomization.yaml')
    expect(status).not.toMatch(/k8s\/dev\/(?!kustomization)/)
    expect((await hush(['scan'], { cwd: dir })).code).toBe(0)
  })

  it('a target git already tracks is refused, and nothing is written', async () => {
    const dir = await repo()
    writeFileSync(join(dir, 'secrets.yaml'), 'placeholder\n')
    git(dir, 'add', 'secrets.yaml')
    const r = await hush(['export', 'k8s', '-o', 'secrets.yaml'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('secrets.yaml is tracked by git: the values written there would be committed')
    expect(r.stderr).toContain('git rm --cached secrets.yaml')
    expect(readFileSync(join(dir, 'secrets.yaml'), 'utf8')).toBe('placeholder\n')
    expect(existsSync(join(dir, 'k8s'))).toBe(false)
  })
})
