/**
 * Who owns a lock (or any file a process leaves behind), recorded so that a later process can
 * tell a live owner from a dead one. A pid alone cannot: `kill(pid, 0)` succeeds for a zombie
 * nobody reaped (a container whose PID 1 does not reap) and for a pid the kernel gave to a new
 * process. So the owner also records its start time (field 22 of /proc/<pid>/stat, in clock ticks
 * since boot) and the boot id; where /proc is absent (macOS), the pid alone is all there is.
 */
import { readFileSync } from 'node:fs'

export interface ProcessOwner {
  readonly pid: number
  /** start time in clock ticks since boot (/proc/<pid>/stat field 22) */
  readonly start?: string
  /** /proc/sys/kernel/random/boot_id: a start time means nothing after a reboot */
  readonly boot?: string
}

interface ProcStat {
  /** R, S, D, Z (zombie), X (dead), … */
  readonly state: string
  readonly start: string
}

/** /proc/<pid>/stat, or undefined when it cannot be read (no such process, no /proc). */
export function procStat(pid: number): ProcStat | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const state = fields[0]
  const start = fields[19] // field 22 counted from 1, and fields[0] is field 3
  return state && start ? { state, start } : undefined
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}

/** This process, as a lock records it. */
export function currentOwner(): ProcessOwner {
  const start = procStat(process.pid)?.start
  const boot = bootId()
  return { pid: process.pid, ...(start ? { start } : {}), ...(boot ? { boot } : {}) }
}

/** The text a lock file holds. */
export function formatOwner(owner: ProcessOwner): string {
  return JSON.stringify(owner)
}

/** The owner a lock file names: JSON from formatOwner, or a bare pid (locks of older versions). */
export function parseOwner(text: string): ProcessOwner | undefined {
  if (/^\d+$/.test(text.trim())) return { pid: Number(text.trim()) }
  try {
    const o = JSON.parse(text) as Record<string, unknown>
    if (!Number.isSafeInteger(o.pid) || (o.pid as number) <= 0) return undefined
    return {
      pid: o.pid as number,
      ...(typeof o.start === 'string' ? { start: o.start } : {}),
      ...(typeof o.boot === 'string' ? { boot: o.boot } : {}),
    }
  } catch {
    return undefined
  }
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Whether the recorded owner still runs: not if the machine rebooted since, if its pid is gone,
 * is a zombie, or now belongs to a process that started at another time. Without /proc (or when
 * /proc hides other users' processes), whether the pid can be signalled.
 */
export function ownerAlive(owner: ProcessOwner): boolean {
  if (owner.pid <= 0) return false
  const boot = bootId()
  if (owner.boot && boot && owner.boot !== boot) return false
  const stat = procStat(owner.pid)
  if (!stat) return signalable(owner.pid)
  if (stat.state === 'Z' || stat.state === 'X') return false
  return owner.start === undefined || owner.start === stat.start
}
