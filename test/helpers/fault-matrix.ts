/**
 * The fault matrix every remote store runs: for each scenario (push, rotate with the replace and the
 * key-ring strategy, abort, pull) it records the API calls of a clean run, then, for every call in
 * that log (reads included), starts again from scratch, fails that one call once, and checks that
 * - the command fails (or finishes) without a stack trace or a value in its output,
 * - in between, the store's labels never claim a value it does not hold (list's fingerprint is the
 *   fingerprint of what read returns) and `status` / `doctor` answer (they never abort),
 * - the next run (again, `--resume`, or `--abort` again) converges on exactly the state a clean run
 *   leaves: the same versions, labels and metadata, nothing duplicated, nothing stale.
 * Commands run in-process through the CLI's own `main` (the same code as bin.ts), so a matrix of a
 * few hundred cases takes seconds; a step that needs HUSH_FAILPOINT (which kills its process) spawns.
 */
import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.js'
import { openProject } from '../../src/core/project.js'
import { cutPoints, type Faults } from '../fixtures/faults.js'
import { type CliResult, hush, tmpProject, userConfig } from './project.js'

export interface FaultTarget {
  readonly faults: Faults
  /** empty the service (every case starts from nothing) */
  reset(): void
  /** the `cloud` environment's line in hush.yaml */
  readonly store: string
  /** what the SDK reads from the process environment (credentials) */
  readonly env: Readonly<Record<string, string>>
  /** the service's state, without values or times: versions, labels, hush's metadata */
  snapshot(): unknown
}

const MANIFEST = (store: string) => `version: 1
project: faulty
environments:
  development: { path: s/dev }
  restore: { path: s/restore }
  cloud: ${store}
secrets:
  db_user: { value: app }
  # no database runs here: rotating db_password takes --allow-downtime (its URL names a server)
  db_password: { generate: password:24 }
  database_url: { derive: "postgres://{{db_user}}:{{db_password | url}}@db/app" }
  jwt_secret: { generate: base64:32, rotate: { strategy: keyring } }
`

type Step = readonly string[] | { readonly args: readonly string[]; readonly failpoint: string }

interface Scenario {
  readonly name: string
  readonly before: readonly Step[]
  readonly act: readonly string[]
  /** after the clean run and after recovery: a second run finds nothing to do */
  readonly settled?: { readonly args: readonly string[]; readonly expect: (json: unknown) => void }
}

const unchanged = (json: unknown) =>
  expect((json as { counts: Record<string, number> }).counts).toMatchObject({ created: 0, updated: 0 })

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'push',
    before: [['gen', '-q']],
    act: ['push', '--to', 'cloud'],
    settled: { args: ['push', '--to', 'cloud', '--json'], expect: unchanged },
  },
  {
    name: 'rotate (replace)',
    before: [['gen', '-q', '-e', 'cloud']],
    act: ['rotate', 'db_password', '--allow-downtime', '-e', 'cloud'],
  },
  {
    name: 'rotate (key ring)',
    before: [['gen', '-q', '-e', 'cloud']],
    act: ['rotate', 'jwt_secret', '-e', 'cloud'],
  },
  {
    name: 'abort',
    before: [
      ['gen', '-q', '-e', 'cloud'],
      { args: ['rotate', 'db_password', '--allow-downtime', '-e', 'cloud'], failpoint: 'DISTRIBUTED' },
    ],
    act: ['rotate', 'db_password', '--abort', '-e', 'cloud'],
  },
  {
    name: 'pull',
    before: [
      ['gen', '-q'],
      ['push', '--to', 'cloud'],
    ],
    act: ['pull', '-e', 'restore', '--from', 'cloud'],
    settled: { args: ['pull', '-e', 'restore', '--from', 'cloud', '--json'], expect: unchanged },
  },
]

/** Run the CLI in this process, as bin.ts would, with the test's user config and the target's credentials. */
export async function cli(dir: string, args: readonly string[], env: Readonly<Record<string, string>> = {}) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d) => {
    out += d
  })
  stderr.on('data', (d) => {
    err += d
  })
  const world = {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      XDG_CONFIG_HOME: userConfig(),
      HUSH_ACTOR: 'tester',
      NO_COLOR: '1',
      ...env,
    },
    now: () => new Date(),
  }
  let code: number
  try {
    code = await main(args, { stdout, stderr, stdin: Readable.from([]) }, world)
  } catch (e) {
    err += `UNCAUGHT ${(e as Error).stack}`
    code = -1
  }
  return { code, stdout: out, stderr: err } satisfies CliResult
}

async function step(dir: string, s: Step, env: Readonly<Record<string, string>>): Promise<void> {
  if (Array.isArray(s)) {
    const r = await cli(dir, s as readonly string[], env)
    expect(r.code, `${s.join(' ')}: ${r.stderr}`).toBe(0)
    return
  }
  const { args, failpoint } = s as { args: readonly string[]; failpoint: string }
  const r = await hush([...args], { cwd: dir, env: { ...env, HUSH_FAILPOINT: failpoint } })
  expect(r.code, `${args.join(' ')} cut at ${failpoint}`).not.toBe(0)
}

/** What a person sees must never be a stack trace: an uncaught error or a generic one fails the case. */
function expectNoCrash(r: CliResult, what: string): void {
  expect(r.code, `${what}: ${r.stderr}`).not.toBe(-1)
  expect(r.stderr, what).not.toMatch(/UNCAUGHT|HUSH_E_INTERNAL|\n\s+at /)
}

/** Every label the store shows names the value it holds: list()'s fingerprint is read()'s value's. */
async function expectTruthfulLabels(dir: string, env: Readonly<Record<string, string>>): Promise<void> {
  // the target's credentials: a store that reads them from its context (vault) needs them here too
  const world = {
    cwd: dir,
    env: { HUSH_ACTOR: 'tester', XDG_CONFIG_HOME: userConfig(), ...env },
    now: () => new Date(),
  }
  const p = await openProject(world, 'cloud')
  for (const meta of await p.store.list()) {
    if (!meta.fingerprint) continue // unknown is not a lie: status says so
    const value = await p.store.read(meta.name)
    expect(value === undefined ? undefined : p.fingerprint(value), `${meta.name}'s labels`).toBe(
      meta.fingerprint,
    )
  }
}

async function openJobs(dir: string, env: Readonly<Record<string, string>>): Promise<number> {
  const r = await cli(dir, ['status', '-e', 'cloud', '--json'], env)
  return r.code === 0 ? (JSON.parse(r.stdout) as { jobs: unknown[] }).jobs.length : -1
}

/** The matrix for one store: a describe block with one test per scenario. */
export function faultMatrix(name: string, target: () => FaultTarget): void {
  describe(`fault matrix: ${name}`, () => {
    it("status and doctor report every failed call as the store's error with its hint, never abort", async () => {
      const t = target()
      t.reset()
      const dir = tmpProject(MANIFEST(t.store))
      await step(dir, ['gen', '-q', '-e', 'cloud'], t.env)
      for (const probe of [
        ['status', '-e', 'cloud', '--json'],
        ['doctor', '-e', 'cloud', '--json'],
      ]) {
        t.faults.reset()
        expect((await cli(dir, probe, t.env)).code, probe[0]).not.toBe(-1)
        for (const cut of cutPoints(t.faults.log)) {
          const what = `${probe[0]}, ${cut.op} #${cut.nth} failed`
          t.faults.arm(cut.op, cut.nth)
          const r = await cli(dir, probe, t.env)
          expect(t.faults.pending, `${what}: the call was never made`).toBe(false)
          expectNoCrash(r, what)
          expect(r.code, what).toBe(1)
          const doc = JSON.parse(r.stdout) as {
            storeError?: { code: string; hint?: string }
            probes?: { status: string; message: string; hint?: string }[]
          }
          const reported = doc.storeError ?? doc.probes?.find((p) => p.status === 'fail')
          expect(reported, what).toBeDefined()
          expect(reported!.hint, `${what}: a hint`).toBeTruthy()
        }
      }
    })

    for (const scenario of SCENARIOS) {
      it(`${scenario.name}: every call failed once converges on the next run`, async () => {
        const t = target()
        const env = t.env
        const start = async () => {
          t.reset()
          const dir = tmpProject(MANIFEST(t.store))
          for (const s of scenario.before) await step(dir, s, env)
          t.faults.reset()
          return dir
        }
        // the clean run: its calls are the cut points, its end state the one every case must reach
        const cleanDir = await start()
        const clean = await cli(cleanDir, scenario.act, env)
        expect(clean.code, clean.stderr).toBe(0)
        const cuts = cutPoints(t.faults.log)
        const goal = t.snapshot()
        if (scenario.settled)
          scenario.settled.expect(JSON.parse((await cli(cleanDir, scenario.settled.args, env)).stdout))
        expect(cuts.length).toBeGreaterThan(0)
        console.log(`fault matrix ${name}, ${scenario.name}: ${cuts.length} cut points`)
        for (const cut of cuts) {
          const what = `${scenario.name}, ${cut.op} #${cut.nth} failed`
          const dir = await start()
          const before = JSON.stringify(t.snapshot())
          t.faults.arm(cut.op, cut.nth)
          const cutRun = await cli(dir, scenario.act, env)
          expect(t.faults.pending, `${what}: the call was never made`).toBe(false)
          expectNoCrash(cutRun, what)
          // in between: labels never lie, status and doctor answer
          await expectTruthfulLabels(dir, env)
          for (const probe of [
            ['status', '-e', 'cloud'],
            ['doctor', '-e', 'cloud'],
          ]) {
            const r = await cli(dir, probe, env)
            expectNoCrash(r, `${what}: ${probe[0]}`)
          }
          // the next run converges
          if (cutRun.code !== 0) {
            const jobs = await openJobs(dir, env)
            const secret = scenario.act[1]!
            const again = scenario.act.includes('--abort')
              ? jobs > 0
                ? [...scenario.act]
                : undefined
              : scenario.act[0] === 'rotate'
                ? jobs > 0
                  ? ['rotate', secret, '--resume', '-e', 'cloud']
                  : JSON.stringify(t.snapshot()) === before
                    ? [...scenario.act]
                    : undefined
                : [...scenario.act]
            if (again) {
              const r = await cli(dir, again, env)
              expect(r.code, `${what}, then ${again.join(' ')}: ${r.stderr}`).toBe(0)
            }
          }
          expect(t.snapshot(), `${what}: the state after recovery`).toEqual(goal)
          await expectTruthfulLabels(dir, env)
          if (scenario.settled) {
            const r = await cli(dir, scenario.settled.args, env)
            scenario.settled.expect(JSON.parse(r.stdout))
          }
        }
      })
    }
  })
}
