// Bundle the CLI into one file (fast start-up) and the library entry; emit type declarations.
import { execFileSync } from 'node:child_process'
import { chmodSync, rmSync } from 'node:fs'
import { build } from 'esbuild'

rmSync('dist', { recursive: true, force: true })
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: false,
  logLevel: 'warning',
}
await build({
  ...common,
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/cli.js',
  minify: true,
  // bundled CommonJS dependencies may call require(): give them one
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __hushRequire } from 'node:module';const require = __hushRequire(import.meta.url);",
  },
})
chmodSync('dist/cli.js', 0o755)
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', packages: 'external' })
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
