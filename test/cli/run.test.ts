/** hush run as a container entrypoint would use it: env, files, redaction, signals, exit codes. */
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodingsOf } from '../../src/core/inject/redact.js'
import { CLI, hush, tmpProject } from '../helpers/project.js'

const manifest = `version: 1
project: run
environments: { development: { path: secrets } }
secrets:
  api_key: { provide: true }
  db_password: { generate: password:24, env: PGPASSWORD }
  jwt_secret: { generate: base64:32, rotate: { strategy: keyring } }
  later: { provide: true, optional: true }
`
const API = 'sk-CANARY-run-0123456789abcdef'

async function project(): Promise<string> {
  const dir = tmpProject(manifest)
  expect((await hush(['set', 'api_key', '--stdin'], { cwd: dir, input: API })).code).toBe(0)
  expect((await hush(['gen'], { cwd: dir })).code).toBe(0)
  return dir
}
const sh = (script: string) => ['run', '--', 'sh', '-c', script]
const ENV = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  HUSH_ACTOR: 'tester',
  NO_COLOR: '1',
}
const exited = (child: ChildProcess) =>
  new Promise<number | null>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode)
    else child.on('close', done)
  })

/** Start `hush run --files` with a command that records $HUSH_SECRETS_DIR and sleeps; resolves once it runs. */
async function runWithFiles(dir: string): Promise<{ hush: ChildProcess; secretsDir: string }> {
  const marker = join(dir, `secrets-dir-${Date.now()}-${Math.random()}.txt`)
  // its own process group, so that the test can also stop the command when hush itself is SIGKILLed
  const hush = spawn(
    process.execPath,
    [
      CLI,
      'run',
      '--files',
      '--',
      'sh',
      '-c',
      `echo "$HUSH_SECRETS_DIR" > ${marker}.tmp; mv ${marker}.tmp ${marker}; exec sleep 60`,
    ],
    { cwd: dir, env: ENV, detached: true, stdio: 'ignore' },
  )
  while (!existsSync(marker)) await new Promise((r) => setTimeout(r, 20))
  return { hush, secretsDir: readFileSync(marker, 'utf8').trim() }
}

/** SIGKILL hush (it cannot clean up), then stop the command it left running. */
async function killHard(hush: ChildProcess): Promise<void> {
  hush.kill('SIGKILL')
  await exited(hush)
  try {
    process.kill(-hush.pid!, 'SIGKILL')
  } catch {
    // the group is gone already
  }
}

describe('hush run', () => {
  it('injects every secret under its manifest env name and returns the exit code', async () => {
    const dir = await project()
    const r = await hush(
      sh('echo "$API_KEY|${#PGPASSWORD}|${#JWT_SECRET_PRIMARY}|${#JWT_SECRET_PREVIOUS}"; exit 7'),
      { cwd: dir },
    )
    expect(r.code).toBe(7)
    expect(r.stdout).toBe(`${API}|24|44|44\n`)
  })

  it('--only limits what is injected', async () => {
    const dir = await project()
    const r = await hush(
      ['run', '--only', 'db_password', '--', 'sh', '-c', 'echo "${API_KEY:-none}|${#PGPASSWORD}"'],
      { cwd: dir },
    )
    expect(r.stdout).toBe('none|24\n')
  })

  it('passes stdin through', async () => {
    const dir = await project()
    const r = await hush(['run', '--', 'cat'], { cwd: dir, input: 'hello from stdin' })
    expect(r.stdout).toBe('hello from stdin')
  })

  it('refuses to start when a required secret has no value', async () => {
    const dir = tmpProject(manifest)
    await hush(['gen'], { cwd: dir })
    const r = await hush(sh('echo ran'), { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('api_key')
  })

  it('refreshes its index when hush.yaml changed', async () => {
    const dir = await project()
    writeFileSync(join(dir, 'hush.yaml'), manifest.replace('env: PGPASSWORD', 'env: DB_PASS'))
    const r = await hush(sh('echo "${#DB_PASS}"'), { cwd: dir })
    expect(r.stdout).toBe('24\n')
  })

  it('--files writes X_FILE files in a private directory and removes it afterwards', async () => {
    const dir = await project()
    const r = await hush(
      [
        'run',
        '--files',
        '--',
        'sh',
        '-c',
        'echo "$HUSH_SECRETS_DIR"; stat -c %a "$HUSH_SECRETS_DIR" "$API_KEY_FILE"; cat "$API_KEY_FILE"; echo; echo "${API_KEY:-unset}"',
      ],
      { cwd: dir },
    )
    const [secretsDir, dirMode, fileMode, value, plain] = r.stdout.trim().split('\n')
    expect([dirMode, fileMode, value, plain]).toEqual(['700', '600', API, 'unset'])
    expect(existsSync(secretsDir!)).toBe(false)
  })

  it('--files leaves no directory behind after SIGTERM, and returns 128+signal', async () => {
    const dir = await project()
    const marker = join(dir, 'dir.txt')
    const child = spawn(
      process.execPath,
      [CLI, 'run', '--files', '--', 'sh', '-c', `echo "$HUSH_SECRETS_DIR" > ${marker}; sleep 30`],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' } },
    )
    for (let i = 0; i < 100 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50))
    await new Promise((r) => setTimeout(r, 100))
    const secretsDir = readFileSync(marker, 'utf8').trim()
    expect(existsSync(secretsDir)).toBe(true)
    child.kill('SIGTERM')
    const code = await new Promise((done) => child.on('close', done))
    expect(code).toBe(128 + 15)
    expect(existsSync(secretsDir)).toBe(false)
  })

  it('--redact masks every encoding of every value, also when written in pieces', async () => {
    const dir = await project()
    const forms = encodingsOf(API)
    // printf each form in two separate writes, split in the middle
    const script = forms
      .map((f) => `printf '%s' '${f.slice(0, 5)}'; sleep 0.01; printf '%s\\n' '${f.slice(5)}'`)
      .join('; ')
    const r = await hush(['run', '--redact', '--', 'sh', '-c', `${script}; echo "$PGPASSWORD" >&2`], {
      cwd: dir,
    })
    expect(r.code).toBe(0)
    for (const f of forms) expect(r.stdout).not.toContain(f)
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(forms.map(() => '[secret api_key]'))
    expect(r.stderr.trim()).toBe('[secret db_password]')
  })
})

describe('hush run, hostile conditions', () => {
  it('--redact stops reading the command while its own reader stalls: memory stays bounded (200 MB through a stalled pipe)', async () => {
    const dir = await project()
    const size = 200_000_000
    const hush = spawn(
      process.execPath,
      [
        CLI,
        'run',
        '--redact',
        '--',
        'sh',
        '-c',
        `echo "$API_KEY"; yes 0123456789abcdef | head -c ${size}; echo "$API_KEY"`,
      ],
      { cwd: dir, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    // hush's own peak resident memory (not the command's), read until it exits
    let peakKb = 0
    const sample = () => {
      const status = existsSync(`/proc/${hush.pid}/status`)
        ? readFileSync(`/proc/${hush.pid}/status`, 'utf8')
        : ''
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0))
    }
    const sampler = setInterval(() => {
      try {
        sample()
      } catch {
        // exited between the check and the read
      }
    }, 25)
    let stderr = ''
    hush.stderr.on('data', (d) => {
      stderr += d
    })
    // the reader stalls: nothing reads hush's stdout for a while, however fast the command writes
    hush.stdout.pause()
    await new Promise((r) => setTimeout(r, 3000))
    // then reads it all, checking that the value shows nowhere, also across chunk boundaries
    let bytes = 0
    let tail = ''
    let leaked = false
    hush.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      const text = tail + chunk.toString('latin1')
      leaked ||= text.includes(API)
      tail = text.slice(-API.length)
    })
    hush.stdout.resume()
    const code = await exited(hush)
    clearInterval(sampler)
    expect(code).toBe(0)
    expect(bytes).toBe(size + 2 * '[secret api_key]\n'.length)
    expect(leaked).toBe(false)
    expect(stderr).not.toContain(API)
    expect(peakKb).toBeGreaterThan(0)
    expect(peakKb / 1024).toBeLessThan(150)
  }, 180_000)

  it('--redact: when its own reader goes away, the command gets SIGPIPE, as in a shell pipeline', async () => {
    const dir = await project()
    const pipeline = `"${process.execPath}" "${CLI}" run --redact -- sh -c 'exec yes "$API_KEY"' | head -c 100; status=\${PIPESTATUS[0]}; echo; echo "hush: $status"`
    const shell = spawn('bash', ['-c', pipeline], { cwd: dir, env: ENV })
    let stdout = ''
    let stderr = ''
    shell.stdout.on('data', (d) => {
      stdout += d
    })
    shell.stderr.on('data', (d) => {
      stderr += d
    })
    expect(await exited(shell)).toBe(0)
    expect(stdout).toMatch(/^(\[secret api_key\]\n)+\[secret a.*\nhush: 141\n$/s)
    expect(stderr).toBe('')
    expect(stdout + stderr).not.toContain(API)
  })

  it('exits 127 for a command that does not exist and 126 for one that cannot be executed, naming it', async () => {
    const dir = await project()
    writeFileSync(join(dir, 'not-executable.sh'), 'echo hi\n')
    writeFileSync(join(dir, 'bad-interpreter.sh'), '#!/nonexistent/interpreter\necho hi\n')
    chmodSync(join(dir, 'bad-interpreter.sh'), 0o755)
    mkdirSync(join(dir, 'a-directory'))
    const cases: [string[], number, string][] = [
      [['/nonexistent'], 127, 'command not found: /nonexistent'],
      [['hush-test-no-such-command', 'arg'], 127, 'command not found: hush-test-no-such-command'],
      [['--redact', '--', '/nonexistent'], 127, 'command not found: /nonexistent'],
      [['--files', '--', '/nonexistent'], 127, 'command not found: /nonexistent'],
      [['./not-executable.sh'], 126, 'cannot execute ./not-executable.sh: EACCES'],
      [['./a-directory'], 126, 'cannot execute ./a-directory: EACCES'],
      [['./bad-interpreter.sh'], 126, 'cannot execute ./bad-interpreter.sh: ENOENT'],
    ]
    for (const [args, code, message] of cases) {
      const r = await hush(['run', ...(args[0]!.startsWith('--') ? args : ['--', ...args])], { cwd: dir })
      expect([r.code, r.stdout], args.join(' ')).toEqual([code, ''])
      expect(r.stderr).toContain(message)
      expect(r.stderr).toMatch(/\nhint: /)
      expect(r.stderr).not.toContain(API)
    }
  })

  it('--files: the directory a SIGKILLed hush leaves behind is removed and reported by the next hush run, and by doctor', async () => {
    const dir = await project()
    const first = await runWithFiles(dir)
    await killHard(first.hush)
    // the finding: hush could not remove its directory of values
    expect(readFileSync(join(first.secretsDir, 'api_key'), 'utf8') === API).toBe(true)
    const next = await hush(sh('echo ran'), { cwd: dir })
    expect(next.code).toBe(0)
    expect(next.stdout).toBe('ran\n')
    expect(next.stderr).toContain(
      `removed ${first.secretsDir}: the --files directory of a hush run (pid ${first.hush.pid})`,
    )
    expect(existsSync(first.secretsDir)).toBe(false)

    const second = await runWithFiles(dir)
    await killHard(second.hush)
    expect(existsSync(second.secretsDir)).toBe(true)
    const doctor = await hush(['doctor'], { cwd: dir, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } })
    expect(doctor.stdout).toContain(`run --files: removed ${second.secretsDir} (hush pid ${second.hush.pid})`)
    expect(existsSync(second.secretsDir)).toBe(false)
    for (const r of [next, doctor]) expect(r.stdout + r.stderr).not.toContain(API)
  }, 60_000)

  it('--files: the directory of a hush that is still running is left alone', async () => {
    const dir = await project()
    const live = await runWithFiles(dir)
    try {
      const other = await hush(sh('true'), { cwd: dir })
      expect(other.stderr).not.toContain('removed')
      const doctor = await hush(['doctor'], { cwd: dir, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } })
      expect(doctor.stdout).not.toContain(live.secretsDir)
      expect(existsSync(live.secretsDir)).toBe(true)
    } finally {
      live.hush.kill('SIGTERM')
      await exited(live.hush)
    }
    expect(existsSync(live.secretsDir)).toBe(false)
  }, 60_000)
})

describe('hush run --from-files', () => {
  it('turns every X_FILE into X without a manifest', async () => {
    const dir = tmpProject('')
    writeFileSync(join(dir, 'pg'), 'pg-secret\n')
    writeFileSync(join(dir, 'ca.pem'), 'not a secret')
    const env = {
      HUSH_SECRETS_DIR: dir,
      POSTGRES_PASSWORD_FILE: join(dir, 'pg'),
      SSL_CERT_FILE: '/etc/hostname',
      TF_CLI_CONFIG_FILE: '/nonexistent',
    }
    const r = await hush(
      ['run', '--from-files', '--', 'sh', '-c', 'echo "$POSTGRES_PASSWORD|${SSL_CERT:-untouched}"'],
      { cwd: '/', env },
    )
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('pg-secret|untouched\n')
    // files elsewhere only when named
    const named = await hush(
      [
        'run',
        '--from-files',
        '--only',
        'ssl_cert',
        '--',
        'sh',
        '-c',
        'echo "${POSTGRES_PASSWORD:-skipped}|${#SSL_CERT}"',
      ],
      { cwd: '/', env },
    )
    expect(named.stdout).toMatch(/^skipped\|\d+\n$/)
  })

  it('refuses X and X_FILE that disagree, and a missing file, naming both', async () => {
    const dir = tmpProject('')
    writeFileSync(join(dir, 'pg'), 'pg-secret')
    const r = await hush(['run', '--from-files', '--', 'true'], {
      cwd: '/',
      env: {
        HUSH_SECRETS_DIR: dir,
        POSTGRES_PASSWORD_FILE: join(dir, 'pg'),
        POSTGRES_PASSWORD: 'other',
        TOKEN_FILE: join(dir, 'gone'),
      },
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are both set and differ')
    expect(r.stderr).toContain(`TOKEN_FILE: cannot read ${join(dir, 'gone')}: ENOENT`)
    expect(r.stderr).not.toContain('pg-secret')
  })

  it('returns 128+signal when the command is killed', async () => {
    const r = await hush(['run', '--from-files', '--', 'sh', '-c', 'kill -9 $$'], { cwd: '/' })
    expect(r.code).toBe(128 + 9)
  })
})
