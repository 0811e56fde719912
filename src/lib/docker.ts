/** Ask the Docker Engine API (unix socket or DOCKER_HOST) a question, without the docker CLI. */
import { request } from 'node:http'

export interface EngineEndpoint {
  readonly socketPath?: string
  readonly host?: string
  readonly port?: number
}

export function engineEndpoint(env: Readonly<Record<string, string | undefined>>): EngineEndpoint {
  const host = env.DOCKER_HOST
  if (!host) return { socketPath: '/var/run/docker.sock' }
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) }
  const url = new URL(host.replace(/^tcp:/, 'http:'))
  return { host: url.hostname, port: Number(url.port || 2375) }
}

/** GET a path of the Engine API; resolves to undefined when the engine cannot be reached. */
export function engineGet(endpoint: EngineEndpoint, path: string, timeoutMs = 2000): Promise<unknown> {
  return new Promise((resolve) => {
    const req = request({ ...endpoint, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(body) : undefined)
        } catch {
          resolve(body)
        }
      })
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(undefined))
    req.end()
  })
}
