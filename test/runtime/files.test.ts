/**
 * The files the runtime reads (`X_FILE`, `$HUSH_SECRETS_DIR/x`, the local store) must be regular
 * files under a size cap: a FIFO, /dev/zero or /dev/urandom used to hang loadSecrets for ever, and a
 * 300 MB file was read whole. Kubernetes' symlinked secret mounts must keep working.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { HushError } from '../../src/lib/errors.js'
import { type LoadOptions, loadSecrets, loadSecretsSync } from '../../src/runtime/load.js'
import { DEFAULT_MAX_FILE_BYTES } from '../../src/runtime/resolve.js'
import { hush, tmpProject } from '../helpers/project.js'
import { ENDLESS_DEVICES, mkfifo, unixSocket } from '../helpers/special-files.js'

const CANARY = 'CANARY-runtime-file-4b1d'
const quiet = { onWarning: () => {} }
const LOAD = new URL('../../src/runtime/load.ts', import.meta.url).pathname

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'hush-rt-files-'))
}

/** The one HushError a load throws: its code and its items as `path: message` lines. */
async function failureOf(load: () => unknown): Promise<{ code: string; lines: string[] }> {
  try {
    await load()
  } catch (err) {
    const e = err as HushError
    return { code: e.code, lines: e.items.map((i) => `${i.path}: ${i.message}`) }
  }
  return { code: '(loaded)', lines: [] }
}

/** Both forms, so that neither can hang or read past the cap on its own. */
const forms = {
  loadSecretsSync: (o: LoadOptions) => loadSecretsSync(o),
  loadSecrets: (o: LoadOptions) => loadSecrets(o),
}

const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
})

/**
 * Load `api_key` with API_KEY_FILE=`path` through both forms in a separate process, so that a
 * regression hangs that process (killed after the test), not the test runner.
 */
function loadInChild(path: string): Promise<string> {
  const code = `
    import { loadSecrets, loadSecretsSync } from ${JSON.stringify(LOAD)}
    const options = { required: ['api_key'], env: { API_KEY_FILE: process.env.TARGET }, cwd: '/', onWarning() {} }
    const outcome = async (load) => {
      try { await load(options); return 'loaded' } catch (e) { return e.code + ' ' + e.items.map((i) => i.message).join('|') }
    }
    console.log(JSON.stringify({ sync: await outcome(loadSecretsSync), async: await outcome(loadSecrets) }))
  `
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      env: { ...process.env, TARGET: path },
    })
    children.push(child)
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      out += d
    })
    child.on('error', fail)
    child.on('close', () => done(out))
  })
}

describe('files that are not regular files', () => {
  const endless = [...ENDLESS_DEVICES.map((d) => [d, d] as const), ['a FIFO with no writer', 'fifo'] as const]
  for (const [label, target] of endless)
    it(`API_KEY_FILE at ${label}: both forms finish with an error naming the variable and the path`, async () => {
      const path = target === 'fifo' ? mkfifo(join(scratch(), 'api_key.fifo')) : target
      const kind = target === 'fifo' ? 'a FIFO' : 'a character device'
      const want = `HUSH_E_SECRETS API_KEY_FILE points at ${path}, which is ${kind}, not a regular file; hush reads secrets only from regular files`
      expect(JSON.parse(await loadInChild(path))).toEqual({ sync: want, async: want })
    })

  for (const [name, load] of Object.entries(forms))
    it(`${name}: a directory, a socket and a FIFO in $HUSH_SECRETS_DIR are errors, also outside production`, async () => {
      const dir = scratch()
      mkdirSync(join(dir, 'as_dir'))
      mkfifo(join(dir, 'as_fifo'))
      const server = await unixSocket(join(dir, 'as_socket'))
      try {
        const failure = await failureOf(() =>
          load({
            required: ['as_dir', 'as_fifo', 'as_socket'],
            env: { HUSH_SECRETS_DIR: dir },
            cwd: dir,
            ...quiet,
          }),
        )
        expect(failure.code).toBe('HUSH_E_SECRETS')
        const kinds = { as_dir: 'a directory', as_fifo: 'a FIFO', as_socket: 'a socket' }
        expect(failure.lines).toEqual(
          Object.entries(kinds).map(
            ([name, kind]) =>
              `${name}: ${join(dir, name)}, which is ${kind}, not a regular file; hush reads secrets only from regular files`,
          ),
        )
      } finally {
        server.close()
      }
    })
})

describe('the size cap', () => {
  for (const [name, load] of Object.entries(forms)) {
    it(`${name}: a file of exactly the cap loads, one byte more is refused without its content in the error`, async () => {
      const dir = scratch()
      const atCap = join(dir, 'at_cap')
      const over = join(dir, 'over')
      const body = CANARY.repeat(Math.ceil(DEFAULT_MAX_FILE_BYTES / CANARY.length)).slice(
        0,
        DEFAULT_MAX_FILE_BYTES,
      )
      writeFileSync(atCap, body)
      writeFileSync(over, `${body}x`)
      const options = (file: string) => ({ required: ['k'], env: { K_FILE: file }, cwd: dir, ...quiet })
      expect((await load(options(atCap))).get('k').reveal()).toHaveLength(DEFAULT_MAX_FILE_BYTES)
      const failure = await failureOf(() => load(options(over)))
      expect(failure.code).toBe('HUSH_E_SECRETS')
      expect(failure.lines).toEqual([
        `k: K_FILE points at ${over}, which is over the 1 MiB size cap; point it at the secret itself, or raise loadSecrets({ maxFileBytes })`,
      ])
      expect(failure.lines.join()).not.toContain(CANARY)
    })

    it(`${name}: a 300 MB (sparse) file is refused from its size, and maxFileBytes moves the cap`, async () => {
      const dir = scratch()
      const huge = join(dir, 'huge')
      writeFileSync(huge, '')
      truncateSync(huge, 300 * 1024 * 1024)
      const failure = await failureOf(() =>
        load({ required: ['k'], env: { K_FILE: huge }, cwd: dir, ...quiet }),
      )
      expect(failure.lines[0]).toMatch(/^k: K_FILE points at .*, which is over the 1 MiB size cap/)
      const small = join(dir, 'small')
      writeFileSync(small, '0123456789abcdef\n')
      const capped = (maxFileBytes: number) =>
        failureOf(() => load({ required: ['k'], env: { K_FILE: small }, cwd: dir, maxFileBytes, ...quiet }))
      expect((await capped(17)).code).toBe('(loaded)')
      expect((await capped(16)).lines).toEqual([
        `k: K_FILE points at ${small}, which is over the 16 bytes size cap; point it at the secret itself, or raise loadSecrets({ maxFileBytes })`,
      ])
      expect((await capped(0)).code).toBe('HUSH_E_USAGE')
    })
  }

  it('a file whose size fstat does not know (procfs) is read only up to the cap', async () => {
    // /proc files report size 0 and still hold more than 64 bytes: only the read itself can stop them
    const failure = await failureOf(() =>
      loadSecretsSync({
        required: ['k'],
        env: { K_FILE: '/proc/self/status' },
        cwd: '/',
        maxFileBytes: 64,
        ...quiet,
      }),
    )
    expect(failure.lines).toEqual([
      'k: K_FILE points at /proc/self/status, which is over the 64 bytes size cap; point it at the secret itself, or raise loadSecrets({ maxFileBytes })',
    ])
  })
})

describe('symbolic links', () => {
  /** A Kubernetes secret volume: each key is a link into `..data`, itself a link to a timestamped directory. */
  function kubernetesMount(values: Record<string, string>): string {
    const mount = scratch()
    const stamp = '..2026_01_01_00_00_00.123456789'
    mkdirSync(join(mount, stamp))
    for (const [key, value] of Object.entries(values)) writeFileSync(join(mount, stamp, key), value)
    symlinkSync(stamp, join(mount, '..data'))
    for (const key of Object.keys(values)) symlinkSync(join('..data', key), join(mount, key))
    return mount
  }

  for (const [name, load] of Object.entries(forms))
    it(`${name}: a Kubernetes secret mount loads through HUSH_SECRETS_DIR and through X_FILE`, async () => {
      const mount = kubernetesMount({ db_password: `${CANARY}\n`, api_key: 'k8s-api-key' })
      const viaDir = await load({
        required: ['db_password', 'api_key'],
        env: { HUSH_SECRETS_DIR: mount, NODE_ENV: 'production' },
        cwd: mount,
        ...quiet,
      })
      expect(viaDir.get('db_password').reveal()).toBe(CANARY)
      expect(viaDir.get('api_key').source).toBe(join(mount, 'api_key'))
      const viaFile = await load({
        required: ['db_password'],
        env: { DB_PASSWORD_FILE: join(mount, 'db_password'), HUSH_SECRETS_DIR: join(mount, 'none') },
        cwd: mount,
        ...quiet,
      })
      expect(viaFile.get('db_password').reveal()).toBe(CANARY)
    })

  it('a link is judged by what it ends at: a link to a FIFO or to /dev/zero is refused', async () => {
    const dir = scratch()
    symlinkSync(mkfifo(join(dir, 'pipe')), join(dir, 'to_fifo'))
    symlinkSync('/dev/zero', join(dir, 'to_zero'))
    const failure = await failureOf(() =>
      loadSecretsSync({
        required: ['to_fifo', 'to_zero'],
        env: { HUSH_SECRETS_DIR: dir },
        cwd: dir,
        ...quiet,
      }),
    )
    expect(failure.lines).toEqual([
      `to_fifo: ${join(dir, 'to_fifo')}, which is a FIFO, not a regular file; hush reads secrets only from regular files`,
      `to_zero: ${join(dir, 'to_zero')}, which is a character device, not a regular file; hush reads secrets only from regular files`,
    ])
  })
})

describe('the local store', () => {
  it('a FIFO in the development store is an error, not a hang', async () => {
    const dir = tmpProject(
      'version: 1\nproject: p\nenvironments: { development: { path: s } }\nsecrets:\n  db_password: { generate: password:24 }\n',
    )
    expect((await hush(['gen', '-q'], { cwd: dir })).code).toBe(0)
    rmSync(join(dir, 's', 'db_password'))
    mkfifo(join(dir, 's', 'db_password'))
    let error: HushError | undefined
    try {
      loadSecretsSync({
        required: ['db_password'],
        env: { HUSH_SECRETS_DIR: join(dir, 'none') },
        cwd: dir,
        ...quiet,
      })
    } catch (err) {
      error = err as HushError
    }
    expect(error?.code).toBe('HUSH_E_UNSAFE_PATH')
    expect(error?.message).toBe(
      `cannot read ${join(dir, 's', 'db_password')}: it is a FIFO, not a regular file`,
    )
  })
})

describe('paths in messages', () => {
  it('an X_FILE path with control characters is printed escaped', async () => {
    const dir = scratch()
    const evil = join(dir, 'a\x1b]0;pwned\x07\nb')
    const failure = await failureOf(() =>
      loadSecretsSync({ required: ['k'], env: { K_FILE: evil, NODE_ENV: 'production' }, cwd: dir, ...quiet }),
    )
    const text = failure.lines.join('\n')
    expect(text).toContain(`K_FILE points at "${dir}/a\\x1b]0;pwned\\x07\\nb", which does not exist`)
    expect(text).not.toContain('\x1b')
    expect(text).not.toContain('\x07')
  })
})
