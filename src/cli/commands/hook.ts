import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { HushError } from '../../lib/errors.js'
import { EXIT_OK } from '../../lib/exit-codes.js'
import { writeFileAtomic } from '../../lib/fs-safe.js'
import { type Ctx, worldOf } from '../context.js'

const MARK = '# installed by hush hook install'

/** A POSIX shell word holding `text` exactly. */
const shellWord = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`

/**
 * The hook: the project's own hushkit (node_modules/.bin/hush), else the node and CLI that
 * installed it. Never a `hush` found on PATH: that name also belongs to an unrelated npm package.
 */
function hookScript(): string {
  const cli = realpathSync(process.argv[1] ?? 'hush')
  return `#!/bin/sh
${MARK}: scan the lines this commit adds for credentials and this project's own secret values
local_hush="$(git rev-parse --show-toplevel)/node_modules/.bin/hush"
if [ -x "$local_hush" ]; then exec "$local_hush" scan --staged; fi
if [ -f ${shellWord(cli)} ]; then exec ${shellWord(process.execPath)} ${shellWord(cli)} scan --staged; fi
echo "hush pre-commit hook: hushkit is not installed here (npm install --save-dev hushkit)" >&2
exit 1
`
}

export async function run(ctx: Ctx, action: string, flags: { force?: boolean }): Promise<number> {
  if (action !== 'install')
    throw new HushError('HUSH_E_USAGE', `unknown hook action "${action}"`, { hint: 'hush hook install' })
  const cwd = worldOf(ctx).cwd
  const r = spawnSync('git', ['rev-parse', '--git-path', 'hooks'], { cwd, encoding: 'utf8' })
  if (r.status !== 0)
    throw new HushError('HUSH_E_USAGE', 'not inside a git repository', {
      hint: 'run it in the repository to protect',
    })
  const dir = resolve(cwd, r.stdout.trim())
  const file = resolve(dir, 'pre-commit')
  if (existsSync(file) && !readFileSync(file, 'utf8').includes(MARK) && !flags.force)
    throw new HushError('HUSH_E_USAGE', `${file} exists and was not written by hush`, {
      hint: 'add `hush scan --staged` to it yourself, or replace it with --force',
    })
  await mkdir(dir, { recursive: true })
  await writeFileAtomic(file, hookScript(), { mode: 0o755 })
  ctx.out.result(`installed ${file}: every commit runs hush scan --staged`)
  ctx.out.document({ installed: file })
  return EXIT_OK
}
