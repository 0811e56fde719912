/**
 * SIGKILL `hush gen` at random points: every secret file is afterwards absent or complete, never torn or empty.
 * The kill points come from a seeded PRNG; the test prints the seed, and HUSH_TEST_SEED=<seed> replays it.
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLI, hush, tmpProject } from '../helpers/project.js'
import { mulberry32, testSeed } from '../helpers/seeded.js'

const COUNT = 1000
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
    const seed = testSeed()
    const random = mulberry32(seed)
    const replay = `HUSH_TEST_SEED=${seed}`
    console.log(`crash test: seed ${seed} (replay with ${replay})`)
    // calibrate: kill anywhere between process start and the end of an uninterrupted run
    const calibration = tmpProject(manifest)
    const t0 = Date.now()
    expect((await hush(['gen'], { cwd: calibration })).code).toBe(0)
    const fullRun = Date.now() - t0
    const runs = 40
    const outcomes = { before: 0, midway: 0, after: 0 }
    for (let run = 0; run < runs; run++) {
      const dir = tmpProject(manifest)
      await killAfter(dir, Math.floor(random() * fullRun))
      const store = join(dir, 'secrets')
      let names: string[] = []
      try {
        names = readdirSync(store).filter((n) => !n.startsWith('.'))
      } catch {}
      for (const name of names)
        expect(
          complete(name, readFileSync(join(store, name), 'utf8')),
          `${name} in run ${run} (${replay})`,
        ).toBe(true)
      outcomes[names.length === 0 ? 'before' : names.length < COUNT + 2 ? 'midway' : 'after']++
      const metaText = (() => {
        try {
          return readFileSync(join(store, '.hush', 'meta.json'), 'utf8')
        } catch {
          return undefined
        }
      })()
      if (metaText !== undefined) expect(() => JSON.parse(metaText), replay).not.toThrow()
      if (run % 10 === 0) {
        const rerun = await hush(['gen'], { cwd: dir })
        expect(rerun.code, `${replay}: ${rerun.stderr}`).toBe(0)
        const after = readdirSync(store).filter((n) => !n.startsWith('.'))
        expect(after.length, replay).toBe(COUNT + 2)
        for (const name of after)
          expect(complete(name, readFileSync(join(store, name), 'utf8')), `${name} (${replay})`).toBe(true)
        expect((await hush(['audit', 'verify'], { cwd: dir })).code, replay).toBe(0)
      }
    }
    console.log(
      `crash test (seed ${seed}): a full gen takes ${fullRun} ms; ${runs} SIGKILLs — before any write ${outcomes.before}, mid-write ${outcomes.midway}, after all writes ${outcomes.after}`,
    )
    expect(outcomes.midway, replay).toBeGreaterThan(0) // the kills really landed while files were being written
  })
})
