/** The Docker Engine API over the unix socket, tcp (TLS) or ssh, without the docker CLI. */
import type { IncomingMessage } from 'node:http'
import { describeEndpoint, type EngineEndpoint } from './docker-endpoint.js'
import { type Transport, transportFor } from './docker-transport.js'
import { HushError } from './errors.js'

export { describeEndpoint, type EngineEndpoint, engineEndpoint } from './docker-endpoint.js'

/** API 1.41 (Engine 20.10) is the newest Debian 12's docker.io speaks; newer engines accept it too. */
const API = '/v1.41'

export interface EngineResponse {
  readonly status: number
  readonly body: unknown
}

function send(
  transport: Transport,
  method: string,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<EngineResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = transport.request(
      {
        path: `${API}${path}`,
        method,
        timeout: timeoutMs,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res: IncomingMessage) => {
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

/** An Engine API client whose failures are HushErrors naming the call (request bodies, which hold values, never appear). */
export class Engine {
  private transport: Transport | undefined

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
    // built on the first call: an unusable endpoint or unreadable certificates fail here, not at start-up
    this.transport ??= transportFor(this.endpoint)
    const transport = this.transport
    let res: EngineResponse
    try {
      res = await send(transport, method, path, body, this.timeoutMs)
    } catch (err) {
      throw new HushError(
        'HUSH_E_ENGINE',
        `no Docker engine answers at ${this.where} (${(err as Error).message})`,
        {
          hint: transport.hint(err as Error),
        },
      )
    }
    if (!ok.includes(res.status)) {
      const message = engineMessage(res)
      throw new HushError(
        'HUSH_E_ENGINE',
        `the Docker engine at ${this.where} refused ${method} ${path.split('?')[0]}: ${message}`,
        {
          hint: /not a swarm manager|swarm mode/i.test(message)
            ? 'run `docker swarm init` (or point DOCKER_HOST at a manager node)'
            : /HTTP request to an HTTPS server/i.test(message)
              ? 'the engine speaks TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH'
              : 'see the engine message above; `hush doctor` checks the engine and swarm mode',
        },
      )
    }
    return { status: res.status, body: res.body as T }
  }
}

/** The engine's error message: JSON `{message}`, else the first line of a plain-text answer. */
function engineMessage(res: EngineResponse): string {
  const { body } = res
  if (typeof body === 'string' && body.trim()) return body.trim().split('\n')[0]!.slice(0, 200)
  return (body as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`
}
