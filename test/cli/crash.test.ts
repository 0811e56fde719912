/** SIGKILL `hush gen` at random points: every secret file is afterwards absent or complete, never torn or empty. */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLI, hush, tmpProject } from '../helpers/project.js'

const COUNT = 300
const manifest = `version: 1
project: crash
environments: { development: { path: secrets } }
secrets:
${Array.from({ length: COUNT }, (_, i) => `  key_${i}: { generate: base64:32 }`).join('\n')}
  pw: { generate: password:24 }
  url: { derive: "redis://:{{pw}}@cache" }
`

function complete(name: string, value: string): boolean {
  if (name === 'pw') return /^[A-Za-z0-9._~-]{24}$/.test(value)
  if (name === 'url') return /^redis:\/\/:[A-Za-z0-9._~-]{24}@cache$/.test(value)
  return Buffer.from(value, 'base64').length === 32 && value.length === 44
}

function killAfter(cwd: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'gen'], {
      cwd,
      env: { ...process.env, HUSH_ACTOR: 'crash', NO_COLOR: '1' },
      stdio: 'ignore',
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), ms)
    child.on('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

describe('crash safety of hush gen', () => {
  it('leaves every file absent or complete after SIGKILL at random points, and a rerun finishes the job', async () => {
    const runs = 40
    let interrupted = 0
    for (let run = 0; run < runs; run++) {
      const dir = tmpProject(manifest)
      const started = Date.now()
      await killAfter(dir, 40 + Math.floor(Math.random() * 400))
      if (Date.now() - started < 2000) interrupted++
      const store = join(dir, 'secrets')
      let names: string[] = []
      try {
        names = readdirSync(store).filter((n) => !n.startsWith('.'))
      } catch {}
      for (const name of names)
        expect(complete(name, readFileSync(join(store, name), 'utf8')), `${name} in run ${run}`).toBe(true)
      const metaText = (() => {
        try {
          return readFileSync(join(store, '.hush', 'meta.json'), 'utf8')
        } catch {
          return undefined
        }
      })()
      if (metaText !== undefined) expect(() => JSON.parse(metaText)).not.toThrow()
      if (run % 10 === 0) {
        const rerun = await hush(['gen'], { cwd: dir })
        expect(rerun.code, rerun.stderr).toBe(0)
        const after = readdirSync(store).filter((n) => !n.startsWith('.'))
        expect(after.length).toBe(COUNT + 2)
        for (const name of after) expect(complete(name, readFileSync(join(store, name), 'utf8'))).toBe(true)
        expect((await hush(['audit', 'verify'], { cwd: dir })).code).toBe(0)
      }
    }
    console.log(`crash test: ${runs} runs killed with SIGKILL, ${interrupted} mid-run`)
  })
})
