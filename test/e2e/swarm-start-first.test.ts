/**
 * Start-first on the real engine: two single-replica services mount one secret and serve a hash
 * of it, a reader calls each all along, and the Engine API is polled every ~20 ms for the tasks
 * meant to run that do run, while `hush rotate` moves both onto new versions three times. The
 * service hush updates start-first never drops to zero running tasks and its reader never fails;
 * the one hush must keep stop-first does drop to zero. The numbers are printed.
 *
 * How the services are reached, honestly: this engine runs without iptables, so there is no
 * routing mesh (ingress ports do not answer) and tasks are reached over the host network, as the
 * other swarm tests do. On the host network two tasks cannot bind one port, which is the case of
 * a port published in host mode: hush keeps such a service stop-first and warns. So each task
 * here binds a port of its own (port 0) and announces it in a shared directory, and the reader
 * routes to the announced tasks as a proxy with service discovery would (a request moves to
 * another announced task only when a connection fails; it fails when no task answers). The
 * service whose tasks can overlap says so with its label `hush.update-order: start-first`; the
 * other, the same app without the label, is kept stop-first because it uses the host network.
 */
import { createHash } from 'node:crypto'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hush, tmpProject } from '../helpers/project.js'
import {
  cleanSwarm,
  createService,
  docker,
  engine,
  httpGet,
  nodeImage,
  swarmAvailable,
  uniquePrefix,
} from '../helpers/swarm.js'

/** Serves the sha256 of its secret on a port of its own, announced in /announce/<task id> until SIGTERM. */
const APP = `
const fs = require('fs'), http = require('http'), crypto = require('crypto')
const file = '/announce/' + process.env.TASK_ID
const hash = crypto.createHash('sha256').update(fs.readFileSync('/run/secrets/session_key')).digest('hex')
const server = http.createServer((req, res) => { res.writeHead(200, { connection: 'close' }); res.end(hash) })
server.listen(0, '127.0.0.1', () => fs.writeFileSync(file, String(server.address().port)))
process.on('SIGTERM', () => { fs.rmSync(file, { force: true }); server.close(() => process.exit(0)) })
`

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const sha = (text: string) => createHash('sha256').update(text).digest('hex')

/** The ports the service's tasks announced (a file being written or just removed is skipped). */
function announced(dir: string): number[] {
  return readdirSync(dir).flatMap((f) => {
    try {
      const port = Number(readFileSync(join(dir, f), 'utf8'))
      return port > 0 ? [port] : []
    } catch {
      return []
    }
  })
}

/** Calls the service every ~10 ms until stopped: requests, failed ones, the longest outage, the hashes seen. */
function reader(dir: string) {
  const stats = { requests: 0, failed: 0, longestOutageMs: 0, hashes: [] as string[] }
  let running = true
  const answer = async () => {
    for (const port of announced(dir)) {
      const r = await httpGet(port, '/').catch(() => undefined)
      if (r?.status === 200) return r.body
    }
    return undefined
  }
  const loop = (async () => {
    let since: number | undefined
    while (running) {
      const body = await answer()
      stats.requests++
      if (body === undefined) {
        stats.failed++
        since ??= Date.now()
      } else {
        if (since !== undefined) stats.longestOutageMs = Math.max(stats.longestOutageMs, Date.now() - since)
        since = undefined
        if (stats.hashes.at(-1) !== body) stats.hashes.push(body)
      }
      await sleep(10)
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return stats
    },
  }
}

/** Polls GET /tasks every ~20 ms: per service, samples taken, samples with no running task, the longest such gap. */
function taskWatch(services: Readonly<Record<string, string>>) {
  const ids = Object.keys(services)
  const filters = encodeURIComponent(JSON.stringify({ service: ids, 'desired-state': ['running'] }))
  const stats = new Map(ids.map((id) => [id, { samples: 0, zero: 0, longestGapMs: 0, since: 0 }]))
  let running = true
  const loop = (async () => {
    while (running) {
      const { body } = await engine().call<{ ServiceID: string; Status: { State: string } }[]>(
        'GET',
        `/tasks?filters=${filters}`,
      )
      const now = Date.now()
      for (const [id, s] of stats) {
        const up = body.filter((t) => t.ServiceID === id && t.Status.State === 'running').length
        s.samples++
        if (up === 0) {
          s.zero++
          s.since ||= now
        } else if (s.since) {
          s.longestGapMs = Math.max(s.longestGapMs, now - s.since)
          s.since = 0
        }
      }
      await sleep(20)
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return Object.fromEntries([...stats].map(([id, s]) => [services[id]!, s]))
    },
  }
}

describe.runIf(swarmAvailable())('start-first rotation on the real engine', () => {
  const prefix = uniquePrefix('sf')
  const startFirst = `${prefix}_overlap`
  const stopFirst = `${prefix}_hostonly`
  const announce: Record<string, string> = {}
  afterAll(async () => {
    await cleanSwarm(prefix, [startFirst, stopFirst])
    for (const dir of Object.values(announce)) rmSync(dir, { recursive: true, force: true })
  }, 120_000)

  it('a single-replica service updated start-first never has zero running tasks while hush rotates its secret; a stop-first one does', async () => {
    const dir = tmpProject(`version: 1
project: ${prefix}
environments:
  production: { store: swarm, converge_timeout: 2m }
secrets:
  session_key: { generate: base64:32, rotate: { every: 30d, consumers: restart } }
`)
    const run = (...args: string[]) => hush([...args, '-e', 'production'], { cwd: dir })
    expect((await run('gen', '-q')).code).toBe(0)
    expect((await run('push')).code).toBe(0)
    const value = () => readFileSync(join(dir, '.secrets', 'production', 'session_key'), 'utf8')

    const image = nodeImage()
    for (const [name, label] of [
      [startFirst, ['--label', 'hush.update-order=start-first']],
      [stopFirst, []],
    ] as const) {
      announce[name] = mkdtempSync(join(tmpdir(), 'hush-announce-'))
      chmodSync(announce[name]!, 0o777)
      await createService({
        name,
        image,
        command: ['/bin/node', '-e', APP],
        env: { TASK_ID: '{{.Task.ID}}' },
        secrets: [{ source: `${prefix}_session_key_v1`, target: 'session_key' }],
        extra: ['--mount', `type=bind,source=${announce[name]},target=/announce`, ...label],
      })
    }
    for (const name of [startFirst, stopFirst])
      for (let i = 0; announced(announce[name]!).length === 0; i++) {
        if (i > 300) throw new Error(`${name} did not announce a port:\n${docker(['service', 'logs', name])}`)
        await sleep(100)
      }

    const plan = await run('rotate', 'session_key', '--dry-run')
    expect(plan.stdout).toContain(
      `restarts ${stopFirst} (stop-first: uses the host network, where two tasks cannot share a port), ${startFirst} (start-first)`,
    )

    const id = (name: string) => docker(['service', 'inspect', name, '--format', '{{.ID}}'])
    const tasks = taskWatch({ [id(startFirst)]: startFirst, [id(stopFirst)]: stopFirst })
    const readers = { [startFirst]: reader(announce[startFirst]!), [stopFirst]: reader(announce[stopFirst]!) }
    const t0 = Date.now()
    const json = await run('rotate', 'session_key', '--json')
    const plain = [await run('rotate', 'session_key'), await run('rotate', 'session_key')]
    await sleep(500)
    const seconds = ((Date.now() - t0) / 1000).toFixed(1)
    const watched = await tasks.stop()
    const read = {
      [startFirst]: await readers[startFirst]!.stop(),
      [stopFirst]: await readers[stopFirst]!.stop(),
    }
    for (const [name, order] of [
      [startFirst, 'start-first'],
      [stopFirst, 'stop-first'],
    ] as const) {
      const t = watched[name]!
      const r = read[name]!
      console.log(
        `${order}: 3 rotations in ${seconds} s; ${t.samples} task samples, ${t.zero} with no running task, longest zero-running gap ${t.longestGapMs} ms; reader ${r.requests} requests, ${r.failed} failed, longest outage ${r.longestOutageMs} ms`,
      )
    }
    for (const r of [json, ...plain]) expect(r.code, r.stderr).toBe(0)

    // start-first: a task runs at every sample, every request is answered, and each new value is served
    expect(watched[startFirst]!.zero).toBe(0)
    expect(read[startFirst]!.failed).toBe(0)
    expect(read[startFirst]!.hashes.at(-1)).toBe(sha(value()))
    expect(read[startFirst]!.hashes).toHaveLength(4)
    // stop-first: the only task stops before its replacement starts
    expect(watched[stopFirst]!.zero).toBeGreaterThan(0)
    expect(read[stopFirst]!.hashes.at(-1)).toBe(sha(value()))

    // hush put the service's own order back; its label is untouched
    const spec = (name: string) =>
      JSON.parse(docker(['service', 'inspect', name, '--format', '{{json .Spec}}'])) as {
        UpdateConfig: { Order: string; Monitor: number }
        Labels: Record<string, string>
      }
    expect(spec(startFirst).UpdateConfig).toMatchObject({ Order: 'stop-first', Monitor: 2e9 })
    expect(spec(startFirst).Labels).toEqual({ 'hush.update-order': 'start-first' })
    expect(spec(stopFirst).UpdateConfig.Order).toBe('stop-first')

    // --json: stdout one document, stderr one event per line (steps, services, the warning)
    expect(JSON.parse(json.stdout).results[0]).toMatchObject({ secret: 'session_key', state: 'REVOKED' })
    const events = json.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(events).toContainEqual({ event: 'step', secret: 'session_key', state: 'DISTRIBUTED' })
    expect(events).toContainEqual({
      event: 'service',
      service: startFirst,
      state: 'updating',
      order: 'start-first',
    })
    expect(events).toContainEqual({ event: 'service', service: stopFirst, state: 'converged' })
    expect(events.filter((e) => e.state === 'converging')[0]).toMatchObject({
      running: expect.any(Number),
      updated: expect.any(Number),
      desired: 1,
    })
    const warnings = events.filter((e) => e.event === 'warning').map((e) => e.message)
    expect(warnings).toEqual([
      `service ${stopFirst} restarts stop-first (uses the host network, where two tasks cannot share a port): each task stops before its replacement starts`,
    ])
    // in a pipe: plain lines, the warning names only the stop-first service
    expect(plain[0]!.stderr).toContain(`service ${startFirst}: updating, start-first\n`)
    expect(plain[0]!.stderr).toContain(`warning: service ${stopFirst} restarts stop-first`)
    expect(plain[0]!.stderr).not.toContain(`warning: service ${startFirst}`)
    for (const r of [json, ...plain]) expect(r.stderr + r.stdout).not.toContain(value())
  }, 600_000)
})
