/** The runtime entries (`hush`, `hush/jwt`) and the `hush run` path must not pull in yaml, zod or the core. */
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

async function inputsOf(entry: string): Promise<string[]> {
  // as in scripts/build.mjs: the entry loads every other command from ./main.js, lazily
  const result = await build({
    entryPoints: [entry],
    external: ['./main.js'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  // inputs that contribute bytes to the output (tree-shaken files are parsed but leave nothing)
  return Object.values(result.metafile.outputs).flatMap((o) =>
    Object.entries(o.inputs)
      .filter(([, v]) => v.bytesInOutput > 0)
      .map(([k]) => k),
  )
}

describe('import paths', () => {
  for (const entry of ['src/runtime/index.ts', 'src/runtime/jwt.ts', 'src/cli/bin.ts'])
    it(`${entry} bundles without yaml, zod, commander or src/core/manifest`, async () => {
      const inputs = await inputsOf(entry)
      expect(
        inputs.filter((i) => /node_modules\/(yaml|zod|commander)\/|src\/core\/(manifest|project)/.test(i)),
      ).toEqual([])
    })
})
