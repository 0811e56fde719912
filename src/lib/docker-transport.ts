/**
 * How an Engine API request reaches the engine: Node's http over the unix socket or tcp, https with
 * the docker certificates (the engine's certificate is always verified), or http over an ssh
 * process. Each failure gets a hint for its transport.
 */
import { readFileSync } from 'node:fs'
import { type ClientRequest, type IncomingMessage, type RequestOptions, request } from 'node:http'
import { request as tlsRequest } from 'node:https'
import { join } from 'node:path'
import { describeEndpoint, type EngineEndpoint, type EngineTls } from './docker-endpoint.js'
import { sshAgent, sshHint } from './docker-ssh.js'
import { HushError } from './errors.js'

export interface Transport {
  request(options: RequestOptions, onResponse: (res: IncomingMessage) => void): ClientRequest
  /** How to fix a connection that failed with this error. */
  hint(err: Error): string
}

const START_ENGINE = 'start dockerd (and `docker swarm init`), or point DOCKER_HOST at the engine'

/** The transport for an endpoint; an unusable endpoint throws its problem. Certificates are read here. */
export function transportFor(endpoint: EngineEndpoint): Transport {
  switch (endpoint.kind) {
    case 'unix':
      return {
        request: (options, onResponse) =>
          request({ ...options, socketPath: endpoint.socketPath }, onResponse),
        hint: (err) =>
          (err as NodeJS.ErrnoException).code === 'EACCES'
            ? `this user may not open ${endpoint.socketPath}: join the docker group, or use another endpoint`
            : START_ENGINE,
      }
    case 'tcp': {
      const { host, port, tls } = endpoint
      if (!tls)
        return {
          request: (options, onResponse) => request({ ...options, host, port }, onResponse),
          hint: () => START_ENGINE,
        }
      const files = tlsFiles(endpoint, tls)
      return {
        request: (options, onResponse) => tlsRequest({ ...options, host, port, ...files }, onResponse),
        hint: (err) => tlsHint(err, tls),
      }
    }
    case 'ssh': {
      const agent = sshAgent(endpoint)
      return {
        request: (options, onResponse) => request({ ...options, host: 'docker', agent }, onResponse),
        hint: (err) => sshHint(endpoint, err),
      }
    }
    case 'unusable':
      throw new HushError('HUSH_E_ENGINE', endpoint.problem, { hint: endpoint.hint })
  }
}

type TlsFiles = { ca?: Buffer; cert?: Buffer; key?: Buffer }

function tlsFiles(endpoint: EngineEndpoint, tls: EngineTls): TlsFiles {
  const where = describeEndpoint(endpoint)
  const read = (name: string) => {
    try {
      return readFileSync(join(tls.dir, name))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new HushError('HUSH_E_ENGINE', `cannot read ${join(tls.dir, name)} for ${where}`, {
        hint: `check the file's permissions (${tls.setting})`,
        cause: err,
      })
    }
  }
  const files: TlsFiles = { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') }
  if (!files.ca && !files.cert && !files.key)
    throw new HushError('HUSH_E_ENGINE', `no ca.pem, cert.pem or key.pem in ${tls.dir} for ${where}`, {
      hint: `${tls.setting} must name the directory holding the engine's CA (ca.pem) and your client certificate (cert.pem, key.pem)`,
    })
  if (!files.cert !== !files.key)
    throw new HushError(
      'HUSH_E_ENGINE',
      `${tls.dir} holds ${files.cert ? 'cert.pem without key.pem' : 'key.pem without cert.pem'} for ${where}`,
      { hint: 'the client certificate needs its key beside it' },
    )
  // no ca.pem: the engine's certificate must verify against the system CAs, as docker does
  return Object.fromEntries(Object.entries(files).filter(([, v]) => v)) as TlsFiles
}

const UNVERIFIED = /CERT|SELF_SIGNED|UNABLE_TO_|ALTNAME|certificate/i

function tlsHint(err: Error, tls: EngineTls): string {
  const code = (err as NodeJS.ErrnoException).code ?? ''
  if (/ALERT|ECONNRESET|EPIPE/.test(code))
    return `the engine closed the TLS connection: does it accept the client certificate ${join(tls.dir, 'cert.pem')} (signed by its CA)?`
  if (UNVERIFIED.test(code) || UNVERIFIED.test(err.message))
    return `the engine's certificate does not verify against ${join(tls.dir, 'ca.pem')} (${tls.setting}): hush never skips this check`
  return START_ENGINE
}
