/** The one progress display of rotate and push: a live line on a terminal, plain lines in a pipe, JSON events with --json. */
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { Output, type Streams } from '../../src/cli/ui/output.js'
import { progressOf } from '../../src/cli/ui/progress.js'
import type { ProgressEvent } from '../../src/core/rotate/types.js'

const EVENTS: ProgressEvent[] = [
  { event: 'step', secret: 'session_key', state: 'DISTRIBUTED' },
  { event: 'service', service: 'app_api', state: 'updating', order: 'start-first' },
  {
    event: 'service',
    service: 'app_web',
    state: 'updating',
    order: 'stop-first',
    reason: 'uses the host network',
  },
  { event: 'warning', message: 'service app_web restarts stop-first (uses the host network)' },
  { event: 'service', service: 'app_api', state: 'converging', running: 2, updated: 1, desired: 1 },
  { event: 'service', service: 'app_api', state: 'converged' },
  { event: 'step', secret: 'session_key', state: 'PROMOTED', fingerprint: '0123456789ab' },
]

/** Render the events with these options on a stderr that is (or is not) a terminal; what stderr and stdout got. */
function render(options: { json?: boolean; quiet?: boolean }, tty: boolean) {
  const stderr = Object.assign(new PassThrough(), { isTTY: tty, columns: 200 })
  const stdout = new PassThrough()
  const streams = { stdout, stderr, stdin: new PassThrough() } as unknown as Streams
  const progress = progressOf(new Output(streams, options, { NO_COLOR: '1' }))
  for (const e of EVENTS) progress.emit(e)
  progress.end()
  return { err: String(stderr.read() ?? ''), out: String(stdout.read() ?? '') }
}

describe('progress display', () => {
  it('on a terminal: one line redrawn in place with the step and each service, warnings on their own line, cleared at the end', () => {
    const { err, out } = render({}, true)
    expect(out).toBe('')
    const frames = err.split('\r\x1b[K')
    expect(frames).toContain('session_key: distributing · app_api updating, start-first')
    expect(frames).toContain(
      'session_key: distributing · app_api 1/1 updated, 2 running · app_web updating, stop-first',
    )
    expect(frames).toContain('warning: service app_web restarts stop-first (uses the host network)\n')
    expect(frames).toContain('session_key: promoting') // a new step starts a new line of services
    expect(err.endsWith('\r\x1b[K')).toBe(true)
    expect(err).not.toContain('0123456789ab') // the line stays short: no fingerprints
  })

  it('in a pipe: a plain line per event', () => {
    const { err } = render({}, false)
    expect(err.split('\n')).toEqual([
      'session_key: distributing',
      'service app_api: updating, start-first',
      'service app_web: updating, stop-first',
      'warning: service app_web restarts stop-first (uses the host network)',
      'service app_api: 1/1 updated, 2 running',
      'service app_api: converged',
      'session_key: promoting',
      '',
    ])
  })

  it('with --json: one JSON event per line on stderr, stdout left to the document', () => {
    const { err, out } = render({ json: true }, true)
    expect(out).toBe('')
    const lines = err
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toEqual(EVENTS)
    expect(lines[4]).toEqual({
      event: 'service',
      service: 'app_api',
      state: 'converging',
      running: 2,
      updated: 1,
      desired: 1,
    })
  })

  it('with -q: nothing, on a terminal or not', () => {
    expect(render({ quiet: true }, true)).toEqual({ err: '', out: '' })
    expect(render({ quiet: true, json: true }, false)).toEqual({ err: '', out: '' })
  })

  it('keeps control characters of a service name off the terminal', () => {
    const stderr = Object.assign(new PassThrough(), { isTTY: false })
    const streams = { stdout: new PassThrough(), stderr, stdin: new PassThrough() } as unknown as Streams
    progressOf(new Output(streams, {}, {})).emit({
      event: 'service',
      service: 'a\x1b[2Jb',
      state: 'converged',
    })
    expect(String(stderr.read())).toBe('service "a\\x1b[2Jb": converged\n')
  })
})
