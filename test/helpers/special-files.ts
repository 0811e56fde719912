/** Files that are not regular files, made for real: FIFOs (mkfifo) and unix sockets. */
import { execFileSync } from 'node:child_process'
import { createServer, type Server } from 'node:net'

/** A FIFO at `path` with no writer: opening it for reading (without O_NONBLOCK) blocks for ever. */
export function mkfifo(path: string): string {
  execFileSync('mkfifo', [path])
  return path
}

/** A listening unix socket at `path`; close it when done. */
export function unixSocket(path: string): Promise<Server> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(path, () => done(server))
  })
}

/** Character devices every Linux and macOS has: reading them never ends. */
export const ENDLESS_DEVICES = ['/dev/zero', '/dev/urandom'] as const
