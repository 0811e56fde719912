// Bundle the CLI and the library entries; emit type declarations.
import { execFileSync } from 'node:child_process'
import { chmodSync, rmSync } from 'node:fs'
import { build } from 'esbuild'

rmSync('dist', { recursive: true, force: true })
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  splitting: true,
  logLevel: 'warning',
}
// dist/cli.cjs: the entry and the whole `hush run` path in one CommonJS module, which Node loads
// faster than ESM (it starts every container); the other commands stay ESM, loaded by import()
await build({
  ...common,
  format: 'cjs',
  splitting: false,
  minify: true,
  supported: { 'dynamic-import': true },
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/cli.cjs',
  external: ['./main.js'],
  banner: { js: '#!/usr/bin/env node' },
})
// dist/main.js: every other command, code-split so each loads only what it uses
await build({
  ...common,
  minify: true,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist',
  // server SDKs are optional dependencies, loaded from node_modules only by the commands that use them
  external: [
    'ioredis',
    'pg',
    '@aws-sdk/client-secrets-manager',
    '@aws-sdk/client-ssm',
    '@kubernetes/client-node',
    '@google-cloud/secret-manager',
    '@azure/keyvault-secrets',
    '@azure/identity',
  ],
  chunkNames: 'cli-chunks/[name]-[hash]',
  // bundled CommonJS dependencies (commander, yaml) call require(): give them one
  banner: {
    js: "import { createRequire as __hushRequire } from 'node:module';const require = __hushRequire(import.meta.url);",
  },
})
chmodSync('dist/cli.cjs', 0o755)
// dist/scan-worker.mjs: the scan engine for worker threads, self-contained (hush scan finds it beside main.js)
await build({
  ...common,
  splitting: false,
  minify: true,
  entryPoints: ['src/core/scan/worker.ts'],
  outfile: 'dist/scan-worker.mjs',
})
await build({
  ...common,
  entryPoints: { index: 'src/runtime/index.ts', jwt: 'src/runtime/jwt.ts', core: 'src/core/index.ts' },
  outdir: 'dist',
  chunkNames: 'lib-chunks/[name]-[hash]',
  packages: 'external',
})
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
