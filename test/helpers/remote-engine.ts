/**
 * Remote Docker engines for the tests: a second dockerd behind TLS (its own data root, exec root,
 * socket, pid file and swarm; the main engine on /var/run/docker.sock is left alone) and a
 * throwaway sshd on loopback whose sessions reach the main engine with `docker system dial-stdio`.
 * Both need root (dockerd; sshd's privilege separation directory and a root login). Missing on a
 * laptop: the suite skips and says why; missing under CI=true: it fails.
 */
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tmpProject } from './project.js'
import { available, freePort, stopper, waitFor } from './servers.js'
import { uniquePrefix } from './swarm.js'

function needRoot(what: string): boolean {
  const root = process.getuid?.() === 0
  if (!root && process.env.CI) throw new Error(`${what} needs root under CI=true`)
  if (!root) console.warn(`skipped: ${what} needs root`)
  return root
}

export const tlsEngineAvailable = () =>
  available('dockerd') && available('docker') && available('openssl') && needRoot('a second dockerd')

export const sshdAvailable = () =>
  available('/usr/sbin/sshd') &&
  available('ssh') &&
  available('ssh-keygen') &&
  needRoot('sshd (privilege separation, root login)')

function run(cmd: string, args: readonly string[], options: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout.trim()
}

/** A CA and a certificate it signs (EC P-256), written as <name>.pem and <name>-key.pem. */
function issue(dir: string, name: string, ca: string | undefined, extensions: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const key = ['-keyout', `${name}-key.pem`]
  if (!ca) {
    run(
      'openssl',
      ['req', '-x509', ...ec, ...key, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`],
      {
        cwd: dir,
      },
    )
    return
  }
  run('openssl', ['req', ...ec, ...key, '-out', `${name}.csr`, '-subj', `/CN=${name}`], { cwd: dir })
  writeFileSync(join(dir, `${name}.ext`), `${extensions}\n`)
  run(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}-key.pem`,
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ],
    { cwd: dir },
  )
}

/** A DOCKER_CERT_PATH directory: ca.pem, cert.pem, key.pem. */
function certPath(dir: string, name: string, files: { ca: string; cert: string; key: string }): string {
  const to = join(dir, name)
  mkdirSync(to)
  for (const [file, from] of Object.entries(files))
    writeFileSync(join(to, `${file}.pem`), readFileSync(join(dir, from)))
  return to
}

export interface TlsEngine {
  readonly port: number
  /** DOCKER_CERT_PATH holding the engine's CA and a client certificate it accepts. */
  readonly clientCerts: string
  /** The same client certificate beside another CA's ca.pem. */
  readonly wrongCa: string
  /** `docker` against this engine, through its unix socket. */
  docker(args: readonly string[]): string
  stop(): Promise<void>
}

/** A second dockerd on tcp://127.0.0.1:<port> with --tlsverify, in swarm mode. */
export async function startTlsEngine(): Promise<TlsEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'hush-dockerd-'))
  issue(dir, 'ca', undefined, '')
  issue(dir, 'server', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth')
  issue(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth')
  issue(dir, 'other-ca', undefined, '')
  const clientCerts = certPath(dir, 'client-certs', {
    ca: 'ca.pem',
    cert: 'client.pem',
    key: 'client-key.pem',
  })
  const wrongCa = certPath(dir, 'wrong-ca', { ca: 'other-ca.pem', cert: 'client.pem', key: 'client-key.pem' })
  const port = await freePort()
  const socket = join(dir, 'docker.sock')
  writeFileSync(join(dir, 'daemon.json'), '{}\n')
  const log = openSync(join(dir, 'dockerd.log'), 'a')
  const child = spawn(
    'dockerd',
    [
      '--config-file',
      join(dir, 'daemon.json'),
      '--tlsverify',
      '--tlscacert',
      join(dir, 'ca.pem'),
      '--tlscert',
      join(dir, 'server.pem'),
      '--tlskey',
      join(dir, 'server-key.pem'),
      '-H',
      `tcp://127.0.0.1:${port}`,
      '-H',
      `unix://${socket}`,
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'docker.pid'),
      '--storage-driver=vfs',
      '--iptables=false',
      '--bridge=none',
    ],
    { stdio: ['ignore', log, log] },
  )
  closeSync(log)
  const docker = (args: readonly string[]) => run('docker', ['-H', `unix://${socket}`, ...args])
  const stop = async () => {
    await stopper(child)()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor(
      async () =>
        child.exitCode === null && spawnSync('docker', ['-H', `unix://${socket}`, 'info']).status === 0,
      'the second dockerd',
      600,
    )
    docker([
      'swarm',
      'init',
      '--advertise-addr',
      '127.0.0.1',
      '--listen-addr',
      `127.0.0.1:${await freePort()}`,
    ])
  } catch (err) {
    const tail = readFileSync(join(dir, 'dockerd.log'), 'utf8').split('\n').slice(-15).join('\n')
    await stop()
    throw new Error(`${(err as Error).message}\n${tail}`)
  }
  return { port, clientCerts, wrongCa, docker, stop }
}

export interface Sshd {
  readonly port: number
  /** Put first on PATH: `ssh` there is the system client reading this test's ssh_config. */
  readonly bin: string
  /** How many sessions sshd has accepted so far. */
  logins(): number
  stop(): Promise<void>
}

/**
 * sshd on 127.0.0.1:<port> accepting root with a throwaway ed25519 key. The client side: ssh reads
 * ~/.ssh from the passwd entry, not $HOME, so a wrapper on PATH runs it with `-F ssh_config`:
 * host 127.0.0.1 has the server's key in known_hosts; host `stranger` (127.0.0.1 too) has none.
 */
export async function startSshd(): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'hush-sshd-'))
  const at = (f: string) => join(dir, f)
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', at('host_key')])
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', at('id_ed25519')])
  writeFileSync(at('authorized_keys'), readFileSync(at('id_ed25519.pub')))
  const port = await freePort()
  writeFileSync(
    at('sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${at('host_key')}`,
      `AuthorizedKeysFile ${at('authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'PidFile none',
      '',
    ].join('\n'),
  )
  const hostKey = readFileSync(at('host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')
  writeFileSync(at('known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`)
  writeFileSync(at('no_known_hosts'), '')
  const client = (known: string) =>
    [
      `  IdentityFile ${at('id_ed25519')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${at(known)}`,
      '  GlobalKnownHostsFile /dev/null',
    ].join('\n')
  writeFileSync(
    at('ssh_config'),
    `Host 127.0.0.1\n${client('known_hosts')}\nHost stranger\n  HostName 127.0.0.1\n${client('no_known_hosts')}\n`,
  )
  const bin = at('bin')
  mkdirSync(bin)
  const ssh = run('sh', ['-c', 'command -v ssh'])
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec ${ssh} -F ${at('ssh_config')} "$@"\n`, { mode: 0o755 })
  // Debian's sshd refuses to start without its privilege separation directory (systemd makes it)
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
  const child = spawn('/usr/sbin/sshd', ['-D', '-E', at('sshd.log'), '-f', at('sshd_config')], {
    stdio: 'ignore',
  })
  const stop = async () => {
    await stopper(child)()
    rmSync(dir, { recursive: true, force: true })
  }
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.destroy()
          resolve(true)
        })
        socket.on('error', () => resolve(false))
      }),
    'sshd',
  ).catch(async (err) => {
    await stop()
    throw err
  })
  const logins = () => readFileSync(at('sshd.log'), 'utf8').split('Accepted publickey').length - 1
  return { port, bin, logins, stop }
}

/** A project whose production environment is a swarm, with two generated secrets to push; `what` names the prefix. */
export function swarmPushProject(what: string): { prefix: string; dir: string } {
  const prefix = uniquePrefix(what)
  const dir = tmpProject(`version: 1
project: ${prefix}
environments:
  production: { store: swarm }
secrets:
  session_key: { generate: base64:32 }
  db_password: { generate: password:24 }
`)
  return { prefix, dir }
}
