/**
 * Commands that used to do something surprising now refuse with a hint: rotating a secret that has
 * no value yet (it acted as gen), setting a generated secret to a weak value (only check said so,
 * later), and `hush run` with the command's own options but no `--` (they were read as hush's).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hush, tmpProject } from '../helpers/project.js'

const MANIFEST = `version: 1
project: guarded
environments:
  development: { path: s/dev }
secrets:
  session_key: { generate: base64:32, rotate: { consumers: restart } }
  api_password: { generate: password:24 }
`

describe('commands refuse what they would get wrong, with a hint', () => {
  it('rotate of a secret with no value yet refuses and points to gen, writing nothing', async () => {
    const dir = tmpProject(MANIFEST)
    const r = await hush(['rotate', 'session_key'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('session_key has no value in development yet: there is nothing to rotate')
    expect(r.stderr).toContain('hint: create it with hush gen session_key')
    expect(existsSync(join(dir, 's', 'dev', 'session_key'))).toBe(false)
    expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
    expect((await hush(['rotate', 'session_key'], { cwd: dir })).code).toBe(0)
  })

  it('set of a generated secret refuses a value weaker than its generator makes', async () => {
    const dir = tmpProject(MANIFEST)
    const weak = await hush(['set', 'api_password', '--stdin'], { cwd: dir, input: 'abc' })
    expect(weak.code).toBe(2)
    expect(weak.stderr).toContain('the value for api_password has 3 characters; password:24 needs 24')
    expect(weak.stderr).toContain('hush gen api_password --force')
    expect(existsSync(join(dir, 's', 'dev', 'api_password'))).toBe(false)
    const strong = await hush(['set', 'session_key', '--stdin'], {
      cwd: dir,
      input: Buffer.from('k7#Qz!9v@Lm2$Xp4&Rt6*Wy8^Bn0%Hj3').toString('base64'),
    })
    expect(strong.code, strong.stderr).toBe(0)
  })

  it("run with the command's options and no -- says to put -- before the command", async () => {
    const dir = tmpProject(MANIFEST)
    expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
    const r = await hush(['run', 'node', '-e', '1'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("put -- before the command: without it, node's options are read as hush's")
    expect(r.stderr).toContain('hint: hush run [hush options] -- node …')
    expect(r.stderr).not.toContain('environment "1"')
    const ok = await hush(['run', '--', 'node', '-e', 'process.exit(0)'], { cwd: dir })
    expect(ok.code, ok.stderr).toBe(0)
    // no option after the command: nothing to misread
    expect((await hush(['run', 'true'], { cwd: dir })).code).toBe(0)
  })

  it('keygen -y adds its recipient to seal.recipients (comments kept), so seal works right after', async () => {
    const dir = tmpProject(`${MANIFEST}# our backups
seal: { signers: [] } # kept as written
`)
    writeFileSync(join(dir, 'hush.yaml'), readFileSync(join(dir, 'hush.yaml'), 'utf8'), { mode: 0o644 })
    const mode = statSync(join(dir, 'hush.yaml')).mode & 0o777
    expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
    const asked = await hush(['keygen', '-o', 'k1.txt'], { cwd: dir })
    expect(asked.code).toBe(0)
    expect(asked.stderr).toContain('add it to seal.recipients in hush.yaml (hush keygen -y does)')
    const r = await hush(['keygen', '-y', '-o', 'k2.txt'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('added it to seal.recipients in hush.yaml')
    const text = readFileSync(join(dir, 'hush.yaml'), 'utf8')
    expect(text).toContain(r.stdout.trim())
    expect(text).not.toContain(asked.stdout.trim())
    expect(text).toContain('# our backups')
    expect(text).toContain('# kept as written')
    expect(statSync(join(dir, 'hush.yaml')).mode & 0o777).toBe(mode)
    const sealed = await hush(['seal', '-o', 'backup.age'], {
      cwd: dir,
      env: { HUSH_SIGNING_KEY_FILE: join(dir, 'k2.signing.pem') },
    })
    expect(sealed.code, sealed.stderr).toBe(0)
  })
})
