/**
 * push to a swarm over ssh://: a throwaway sshd on loopback, the system OpenSSH client (batch
 * mode, known_hosts checked) and `docker system dial-stdio` on the far side, which reaches the
 * main engine.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hush } from '../helpers/project.js'
import { type Sshd, sshdAvailable, startSshd, swarmPushProject } from '../helpers/remote-engine.js'
import { cleanSwarm, docker, swarmAvailable } from '../helpers/swarm.js'

const cleanups: (() => Promise<void>)[] = []

function setup() {
  const { prefix, dir } = swarmPushProject('ssh')
  cleanups.push(() => cleanSwarm(prefix))
  const names = () =>
    docker(['secret', 'ls', '--format', '{{.Name}}', '--filter', `label=hush.project=${prefix}`])
  return { prefix, dir, names }
}

describe.runIf(swarmAvailable() && sshdAvailable())(
  'a swarm behind ssh:// (system OpenSSH, dial-stdio)',
  () => {
    let sshd: Sshd
    let run: (dir: string, args: string[], env: Record<string, string>) => ReturnType<typeof hush>
    beforeAll(async () => {
      sshd = await startSshd()
      run = (dir, args, env) =>
        hush([...args, '-e', 'production'], {
          cwd: dir,
          env: { PATH: `${sshd.bin}:${process.env.PATH}`, ...env },
        })
    })
    afterAll(async () => {
      for (const c of cleanups) await c()
      await sshd?.stop()
    }, 120_000)

    it('push creates the secrets through ssh, reuses its connections, leaves no ssh behind, and doctor names the endpoint', async () => {
      const { dir, prefix, names } = setup()
      const env = { DOCKER_HOST: `ssh://root@127.0.0.1:${sshd.port}` }
      expect((await run(dir, ['gen', '-q'], env)).code).toBe(0)
      const push = await run(dir, ['push'], env)
      expect(push.code, push.stderr).toBe(0)
      expect(push.stdout).toContain('2 created, 0 updated, 0 unchanged')
      expect(names().split('\n').sort()).toEqual([`${prefix}_db_password_v1`, `${prefix}_session_key_v1`])
      // its engine calls, one after another, share one ssh session
      const before = sshd.logins()
      expect((await run(dir, ['push'], env)).stdout).toContain('0 created, 0 updated, 2 unchanged')
      expect(sshd.logins() - before).toBe(1)
      // hush has exited: its ssh processes (idle, kept for reuse) went with it
      const pattern = `-p ${sshd.port} -- 127.0.0.1 docker system dial-stdio`
      const left = spawnSync('pgrep', ['-a', '-f', '--', pattern], { encoding: 'utf8' })
      expect(left.status, left.stdout).toBe(1) // 1: nothing matched (2 would be a pgrep error)
      const doctor = await run(dir, ['doctor'], env)
      expect(doctor.stdout).toContain(`engine reachable at ssh://root@127.0.0.1:${sshd.port} (DOCKER_HOST)`)
    })

    it('refuses a host whose key known_hosts does not hold: no prompt, no secret', async () => {
      const { dir, names } = setup()
      const env = { DOCKER_HOST: `ssh://root@stranger:${sshd.port}` }
      expect((await run(dir, ['gen', '-q'], env)).code).toBe(0)
      const r = await run(dir, ['push'], env)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(
        `no Docker engine answers at ssh://root@stranger:${sshd.port} (ssh: Host key verification failed.)`,
      )
      expect(r.stderr).toContain('known_hosts')
      expect(names()).toBe('')
    })

    it('follows an ssh docker context the docker CLI created', async () => {
      const { dir, names } = setup()
      const config = mkdtempSync(join(tmpdir(), 'hush-docker-config-'))
      docker([
        '--config',
        config,
        'context',
        'create',
        'ssh-lab',
        '--docker',
        `host=ssh://root@127.0.0.1:${sshd.port}`,
      ])
      const env = { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'ssh-lab' }
      expect((await run(dir, ['gen', '-q'], env)).code).toBe(0)
      const push = await run(dir, ['push'], env)
      expect(push.code, push.stderr).toBe(0)
      expect(names().split('\n')).toHaveLength(2)
      const doctor = await run(dir, ['doctor'], env)
      expect(doctor.stdout).toContain(
        `engine reachable at ssh://root@127.0.0.1:${sshd.port} (docker context ssh-lab)`,
      )
    })
  },
)
