/** The Docker Engine API over the unix socket or DOCKER_HOST, without the docker CLI. */
import { request } from 'node:http'
import { HushError } from './errors.js'

/** API 1.41 (Engine 20.10) is the newest Debian 12's docker.io speaks; newer engines accept it too. */
const API = '/v1.41'

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

export function describeEndpoint(endpoint: EngineEndpoint): string {
  return endpoint.socketPath ?? `tcp://${endpoint.host}:${endpoint.port}`
}

export interface EngineResponse {
  readonly status: number
  readonly body: unknown
}

function send(
  endpoint: EngineEndpoint,
  method: string,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<EngineResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = request(
      {
        ...endpoint,
        path: `${API}${path}`,
        method,
        timeout: timeoutMs,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => {
          let parsed: unknown = text
          try {
            parsed = text ? JSON.parse(text) : undefined
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end(payload)
  })
}

/** GET a path; resolves to undefined when the engine cannot be reached or answers an error (doctor's probes). */
export async function engineGet(endpoint: EngineEndpoint, path: string, timeoutMs = 2000): Promise<unknown> {
  try {
    const res = await send(endpoint, 'GET', path, undefined, timeoutMs)
    return res.status === 200 ? res.body : undefined
  } catch {
    return undefined
  }
}

/** An Engine API client whose failures are HushErrors naming the call (request bodies, which hold values, never appear). */
export class Engine {
  constructor(
    readonly endpoint: EngineEndpoint,
    private readonly timeoutMs = 30_000,
  ) {}

  get where(): string {
    return describeEndpoint(this.endpoint)
  }

  /** Call the API; statuses in `ok` resolve, others throw HUSH_E_ENGINE with the engine's message. */
  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    ok: readonly number[] = [200, 201, 204],
  ): Promise<{ status: number; body: T }> {
    let res: EngineResponse
    try {
      res = await send(this.endpoint, method, path, body, this.timeoutMs)
    } catch (err) {
      throw new HushError(
        'HUSH_E_ENGINE',
        `no Docker engine answers at ${this.where} (${(err as Error).message})`,
        {
          hint: 'start dockerd (and `docker swarm init`), or point DOCKER_HOST at the engine',
        },
      )
    }
    if (!ok.includes(res.status)) {
      const message = (res.body as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`
      throw new HushError(
        'HUSH_E_ENGINE',
        `the Docker engine refused ${method} ${path.split('?')[0]}: ${message}`,
        {
          hint: /not a swarm manager|swarm mode/i.test(message)
            ? 'run `docker swarm init` (or point DOCKER_HOST at a manager node)'
            : 'see the engine message above; `hush doctor` checks the engine and swarm mode',
        },
      )
    }
    return { status: res.status, body: res.body as T }
  }
}
