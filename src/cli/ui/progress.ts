/**
 * The progress of commands that wait (rotate, push): each rotation step and each service's
 * rolling update, on stderr so stdout keeps the result (and --json its one document). A terminal
 * gets one live line, redrawn in place; a pipe or a log gets plain lines; --json gets one JSON
 * object per line; -q gets nothing. Names, counts and fingerprints only: events carry no value.
 */
import type { JobState } from '../../core/rotate/journal.js'
import type { ProgressEvent } from '../../core/rotate/types.js'
import { displayPath, jsonText } from '../../lib/display.js'
import type { RollEvent } from '../../stores/types.js'
import type { Output } from './output.js'

export interface Progress {
  readonly emit: (event: ProgressEvent) => void
  /** Clear the live line (before other output, and when the command is done). */
  end(): void
}

const DOING: Record<JobState, string> = {
  PLANNED: 'planning',
  GENERATED: 'generating',
  APPLIED: 'applying',
  VERIFIED: 'verifying',
  DISTRIBUTED: 'distributing',
  PROMOTED: 'promoting',
  GRACE: 'entering grace',
  REVOKED: 'revoking',
  FAILED: 'failed',
  ABORTED: 'aborting',
}

type ServiceEvent = Extract<RollEvent, { event: 'service' }>

/** A service's state in a few words: `1/1 updated, 2 running`. */
function serviceState(e: ServiceEvent): string {
  switch (e.state) {
    case 'updating':
      return `updating, ${e.order ?? 'stop-first'}`
    case 'converging':
      return `${e.updated}/${e.desired} updated, ${e.running} running`
    case 'rolled back':
      return 'did not converge, rolled back'
    default:
      return e.state
  }
}

/** The plain line of an event (warnings aside). */
export function describeEvent(e: ProgressEvent): string {
  if (e.event === 'step') return `${e.secret}: ${DOING[e.state]}`
  if (e.event === 'warning') return e.message
  return `service ${displayPath(e.service)}: ${serviceState(e)}`
}

export function progressOf(out: Output): Progress {
  const { stderr } = out.streams
  const none: Progress = { emit: () => {}, end: () => {} }
  if (out.options.quiet) return none
  if (out.json) return { emit: (e) => stderr.write(`${jsonText(e)}\n`), end: () => {} }
  const warn = (text: string) => `${out.paint.yellow('warning')}: ${text}\n`
  if (stderr.isTTY !== true)
    return {
      emit: (e) => stderr.write(e.event === 'warning' ? warn(e.message) : `${describeEvent(e)}\n`),
      end: () => {},
    }
  // a terminal: the current step and each service's state on one line, redrawn in place
  let step = ''
  const services = new Map<string, string>()
  let drawn = false
  const clear = () => {
    if (drawn) stderr.write('\r\x1b[K')
    drawn = false
  }
  const draw = () => {
    const parts = [step, ...[...services].map(([name, state]) => `${displayPath(name)} ${state}`)]
    const width = Math.max(20, ((stderr as { columns?: number }).columns ?? 80) - 1)
    const line = parts.filter(Boolean).join(' · ')
    stderr.write(`\r\x1b[K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`)
    drawn = true
  }
  return {
    emit: (e) => {
      if (e.event === 'warning') {
        clear()
        stderr.write(warn(e.message))
      } else if (e.event === 'step') {
        step = describeEvent(e)
        services.clear()
      } else services.set(e.service, serviceState(e))
      draw()
    },
    end: clear,
  }
}
