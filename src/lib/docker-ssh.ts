/**
 * ssh:// engines the way the docker CLI reaches them: the system OpenSSH client runs
 * `docker system dial-stdio` on the remote host, and its stdin/stdout carry the HTTP connection.
 * OpenSSH keeps its own rules (~/.ssh/config, known_hosts, the agent); BatchMode means it never
 * prompts, so an unknown host key or a key it cannot use fails instead of waiting on a terminal.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { Agent } from 'node:http'
import { Duplex } from 'node:stream'
import type { EngineEndpoint } from './docker-endpoint.js'

type SshEndpoint = Extract<EngineEndpoint, { kind: 'ssh' }>

/** The ssh command line (after `ssh`), as the docker CLI builds it. */
export function sshArgs(endpoint: SshEndpoint): string[] {
  return [
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=30',
    '-T',
    ...(endpoint.user ? ['-l', endpoint.user] : []),
    ...(endpoint.port ? ['-p', String(endpoint.port)] : []),
    '--',
    endpoint.host,
    'docker',
    ...(endpoint.socketPath ? [`--host=unix://${endpoint.socketPath}`] : []),
    'system',
    'dial-stdio',
  ]
}

/** An HTTP agent whose connections are ssh processes; idle ones are reused, and never keep Node alive. */
export function sshAgent(endpoint: SshEndpoint): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 })
  agent.createConnection = () => new CommandSocket(spawn('ssh', sshArgs(endpoint)))
  return agent
}

const live = new Set<ChildProcessWithoutNullStreams>()
let reaping = false

/** A child process's stdin and stdout as the socket http.request writes to and reads from. */
class CommandSocket extends Duplex {
  timeout = 0
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    super()
    live.add(child)
    if (!reaping) {
      reaping = true
      // idle connections are unref'd: kill what is left when the process ends
      process.once('exit', () => {
        for (const c of live) c.kill()
      })
    }
    let stderr = ''
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (text: string) => {
      if (stderr.length < 4096) stderr += text
    })
    child.stdout.on('data', (chunk: Buffer) => {
      this.touch()
      if (!this.push(chunk)) child.stdout.pause()
    })
    // a write after ssh died fails with EPIPE; its exit status and stderr say why
    child.stdin.on('error', () => {})
    child.on('error', (err) => this.destroy(err))
    child.on('close', (code) => {
      live.delete(child)
      if (code === 0) this.push(null)
      else this.destroy(new Error(sshProblem(stderr, code)))
    })
  }

  override _read(): void {
    this.child.stdout.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.touch()
    this.child.stdin.write(chunk, () => done())
  }

  override _final(done: (err?: Error | null) => void): void {
    this.child.stdin.end(() => done())
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    clearTimeout(this.timer)
    if (this.child.exitCode === null) this.child.kill()
    done(err)
  }

  /** net.Socket's idle timeout: 'timeout' after ms without traffic (0 turns it off). */
  setTimeout(ms: number, onTimeout?: () => void): this {
    this.timeout = ms
    if (onTimeout) this.once('timeout', onTimeout)
    this.touch()
    return this
  }

  private touch(): void {
    clearTimeout(this.timer)
    this.timer = this.timeout > 0 ? setTimeout(() => this.emit('timeout'), this.timeout).unref() : undefined
  }

  setKeepAlive(): this {
    return this
  }

  setNoDelay(): this {
    return this
  }

  ref(): this {
    for (const handle of this.handles()) handle.ref()
    return this
  }

  unref(): this {
    for (const handle of this.handles()) handle.unref()
    return this
  }

  /** The process and its pipes (net.Sockets at run time, though typed as plain streams). */
  private handles(): { ref(): void; unref(): void }[] {
    const { child } = this
    return [child, child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[]
  }
}

/** ssh's first line of complaint (past the notices it prints on success too), starting `ssh:`. */
function sshProblem(stderr: string, code: number | null): string {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !/^Warning: Permanently added/.test(l))
  if (!line) return `ssh exited with status ${code}`
  return line.startsWith('ssh:') ? line : `ssh: ${line}`
}

/** How to fix what ssh complained about. */
export function sshHint(endpoint: SshEndpoint, err: Error): string {
  const login = ['ssh', ...sshArgs(endpoint).slice(4)].join(' ')
  const message = err.message
  if ((err as NodeJS.ErrnoException).code === 'ENOENT')
    return 'install the OpenSSH client (ssh): hush runs it as the docker CLI does'
  if (/host key|known_hosts|HOST IDENTIFICATION/i.test(message))
    return `ssh does not know (or no longer trusts) this host's key, and never prompts under hush: check the key, then add it to ~/.ssh/known_hosts (\`ssh-keyscan\`, or one \`ssh\` by hand)`
  if (/Permission denied/i.test(message))
    return 'ssh found no key the host accepts: load it in ssh-agent or name it with IdentityFile in ~/.ssh/config'
  if (/not found|dial-stdio|docker/i.test(message))
    return 'the remote host needs the docker CLI on its PATH (ssh runs `docker system dial-stdio` there)'
  return `\`${login}\` shows the same failure`
}
