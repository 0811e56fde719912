/**
 * Run the user's command the way an init shim should: stdin passed through,
 * signals forwarded, the child's exit code (or 128 + signal) returned, and
 * optionally its output sent through a redactor — at the pace of whoever reads
 * it: when the reader is slow, the child's pipe is paused, so hush holds at
 * most a chunk or two of output whatever the child writes. A command that
 * cannot start exits as a shell would: 127 not found, 126 not executable.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { constants } from 'node:os'
import { resolve } from 'node:path'
import { HushError } from '../../lib/errors.js'
import type { Redactor } from './redact.js'

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const

export interface ChildOptions {
  readonly env: NodeJS.ProcessEnv
  readonly cwd?: string
  /** when set, stdout and stderr go through these redactors */
  readonly redact?: { readonly stdout: Redactor; readonly stderr: Redactor }
  /** where redacted output goes; read only when redacting (touching process.stdout creates it) */
  readonly streams: { readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream }
}

/**
 * Copy `from` through `redactor` to `to`, reading only as fast as `to` takes it. When `to` breaks
 * (its reader went away), `broken` runs and `from` is closed: the child then meets a broken pipe,
 * as it would in a shell pipeline.
 */
function relay(
  from: NodeJS.ReadableStream & { destroy(): void },
  redactor: Redactor,
  to: NodeJS.WritableStream,
  broken: () => void,
): Promise<void> {
  return new Promise((done) => {
    let isBroken = false
    const onError = () => {
      isBroken = true
      broken()
      from.destroy()
    }
    to.once('error', onError)
    const write = (data: Buffer): boolean => isBroken || data.length === 0 || to.write(data)
    from.on('data', (chunk: Buffer) => {
      if (write(redactor.push(chunk))) return
      from.pause()
      to.once('drain', () => from.resume())
    })
    from.on('end', () => write(redactor.end()))
    from.on('close', () => {
      to.off('error', onError)
      done()
    })
  })
}

/** The error for a command that could not start, with the shell's exit status for it. */
function startError(command: string, cwd: string, err: NodeJS.ErrnoException): HushError {
  const code = err.code ?? 'error'
  // ENOENT for a file that exists: its #! interpreter is missing
  if (code === 'ENOENT' && !(command.includes('/') && existsSync(resolve(cwd, command))))
    return new HushError('HUSH_E_COMMAND_NOT_FOUND', `command not found: ${command}`, {
      hint: command.includes('/') ? 'check the path' : 'check the command name and PATH',
      cause: err,
    })
  if (['ENOENT', 'EACCES', 'EPERM', 'ENOEXEC', 'EISDIR'].includes(code))
    return new HushError('HUSH_E_COMMAND_NOT_EXECUTABLE', `cannot execute ${command}: ${code}`, {
      hint:
        code === 'ENOENT'
          ? 'its #! line names an interpreter that is not installed'
          : 'check that it is a program or script with execute permission (chmod +x), not a directory',
      cause: err,
    })
  return new HushError('HUSH_E_CHILD', `cannot run ${command}: ${code}`, { cause: err })
}

export function runChild(command: string, args: readonly string[], options: ChildOptions): Promise<number> {
  return new Promise((done, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['inherit', options.redact ? 'pipe' : 'inherit', options.redact ? 'pipe' : 'inherit'],
    })
    const forward = (signal: NodeJS.Signals) => () => {
      child.kill(signal)
    }
    const handlers = FORWARDED.map((signal) => [signal, forward(signal)] as const)
    for (const [signal, handler] of handlers) process.on(signal, handler)
    const pipes: Promise<void>[] = []
    if (options.redact) {
      // what a shell does to the writer of a pipe whose reader has gone: SIGPIPE
      const brokenPipe = () => child.kill('SIGPIPE')
      pipes.push(
        relay(child.stdout!, options.redact.stdout, options.streams.stdout, brokenPipe),
        relay(child.stderr!, options.redact.stderr, options.streams.stderr, brokenPipe),
      )
    }
    child.on('error', (err) => {
      for (const [signal, handler] of handlers) process.off(signal, handler)
      reject(startError(command, options.cwd ?? process.cwd(), err))
    })
    child.on('exit', async (code, signal) => {
      for (const [s, handler] of handlers) process.off(s, handler)
      await Promise.all(pipes)
      done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0))
    })
  })
}
