/**
 * The package as npm ships it: the packed tarball (the files a user gets), loaded the ways users
 * load it — import, require, TypeScript's node10 and node16 resolution — and the bin. Built by
 * `npm test` first; the tarball's dependencies come from this checkout's node_modules, so no network.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
let app: string
let files: string[]

/** `node <args>` in the consumer app; returns stdout, fails with stderr. */
function node(args: string[]): string {
  const r = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${r.stderr}`)
  return r.stdout.trim()
}

beforeAll(() => {
  const out = mkdtempSync(join(tmpdir(), 'hush-pack-'))
  // --ignore-scripts: prepare would rebuild dist/ under the other tests' feet; `npm test` built it
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], {
      cwd: root,
      encoding: 'utf8',
    }),
  )[0]
  files = packed.files.map((f: { path: string }) => f.path)
  app = join(out, 'app')
  const installed = join(app, 'node_modules', 'hushkit')
  mkdirSync(installed, { recursive: true })
  execFileSync('tar', ['-xzf', join(out, packed.filename), '-C', installed, '--strip-components=1'])
  for (const dep of [...Object.keys(pkg.dependencies), '@noble', '@scure', '@types'])
    symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep))
  writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n')
})

describe('the packed package', () => {
  it('ships the build, the schema and the LICENSE, and no sources or tests', () => {
    for (const f of [
      'LICENSE',
      'package.json',
      'README.md',
      'dist/cli.cjs',
      'dist/index.js',
      'dist/jwt.js',
      'dist/core.js',
    ])
      expect(files).toContain(f)
    expect(files.some((f) => f.startsWith('schema/') && f.endsWith('.json'))).toBe(true)
    expect(files.filter((f) => /^(src|test|bench|scripts)\//.test(f))).toEqual([])
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toContain(`${pkg.license} License`)
  })

  it('loads with import and with require, the root and both subpaths', () => {
    const esm = `import * as h from 'hushkit'; import * as j from 'hushkit/jwt'; import * as c from 'hushkit/core';
      console.log([typeof h.loadSecrets, typeof j.KeyRing, typeof c.openProject].join())`
    expect(node(['--input-type=module', '-e', esm])).toBe('function,function,function')
    const cjs = `const h = require('hushkit'), j = require('hushkit/jwt'), c = require('hushkit/core');
      console.log([typeof h.loadSecrets, typeof j.KeyRing, typeof c.openProject].join())`
    expect(node(['-e', cjs])).toBe('function,function,function')
  })

  // [moduleResolution, module, consumer file]: nodenext's .cts requires the ESM build (require(esm), TS >= 5.8)
  it.each([
    ['node10', 'commonjs', 'consumer.ts'],
    ['node16', 'node16', 'consumer.mts'],
    ['nodenext', 'nodenext', 'consumer.cts'],
    ['bundler', 'esnext', 'consumer.ts'],
  ])(
    'has types for the root and both subpaths under moduleResolution %s (%s, %s)',
    (resolution, module, file) => {
      const dir = mkdtempSync(join(app, `ts-${resolution}-`))
      writeFileSync(
        join(dir, file),
        `import { loadSecrets } from 'hushkit'\nimport { KeyRing } from 'hushkit/jwt'\nimport { openProject } from 'hushkit/core'\nexport const used: unknown[] = [loadSecrets, KeyRing, openProject]\n`,
      )
      const tsc = join(root, 'node_modules/typescript/bin/tsc')
      const args = [
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--types',
        'node',
        '--module',
        module,
        '--moduleResolution',
        resolution,
      ]
      const r = spawnSync(process.execPath, [tsc, ...args, join(dir, file)], { cwd: app, encoding: 'utf8' })
      expect(r.stdout + r.stderr).toBe('')
      expect(r.status).toBe(0)
    },
  )

  it('runs the hush command from its bin', () => {
    expect(node([join(app, 'node_modules/hushkit', pkg.bin.hush), '--version'])).toBe(pkg.version)
  })

  it('installs no store SDK by default: every package loaded on first use is an optional peer', () => {
    expect(pkg.optionalDependencies).toBeUndefined()
    const lazy = new Set<string>()
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name))
        else
          for (const m of readFileSync(join(dir, e.name), 'utf8').matchAll(
            /loadSdk\(\s*\(\) => import\('([^']+)'\)/g,
          ))
            lazy.add(m[1] as string)
      }
    }
    walk(join(root, 'src'))
    expect(lazy.size).toBeGreaterThan(5)
    for (const name of lazy) {
      expect(pkg.peerDependenciesMeta[name], name).toEqual({ optional: true })
      expect(pkg.dependencies[name], name).toBeUndefined()
    }
    expect(pkg.dependencies.commander).toBeUndefined() // the CLI bundle inlines it
  })
})
