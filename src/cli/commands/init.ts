import { existsSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import {
  detectSourceKind,
  gitignoreAdditions,
  inferFromSources,
  renderManifest,
  rotationOf,
} from '../../core/init/index.js'
import { MANIFEST_FILE } from '../../core/manifest/load.js'
import { HushError } from '../../lib/errors.js'
import { EXIT_OK } from '../../lib/exit-codes.js'
import { readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'
import { type Ctx, worldOf } from '../context.js'

const DEFAULT_SOURCES = [
  'docker-compose.yml',
  'docker-compose.yaml',
  'compose.yml',
  'compose.yaml',
  'docker/docker-compose.yml',
  'docker/docker-compose.yaml',
  '.env.example',
]

export async function run(
  ctx: Ctx,
  flags: { from?: string[]; force?: boolean; output?: string },
): Promise<number> {
  const { cwd } = worldOf(ctx)
  const target = resolve(cwd, flags.output ?? MANIFEST_FILE)
  if (existsSync(target) && !flags.force)
    throw new HushError('HUSH_E_MANIFEST_EXISTS', `${relative(cwd, target) || target} already exists`, {
      hint: 'pass --force to overwrite it, or -o FILE to write elsewhere',
    })
  const paths =
    flags.from?.map((f) => resolve(cwd, f)) ?? DEFAULT_SOURCES.map((f) => join(cwd, f)).filter(existsSync)
  for (const p of paths)
    if (!existsSync(p))
      throw new HushError('HUSH_E_USAGE', `--from ${relative(cwd, p)}: no such file`, {
        hint: 'give a compose file or a .env.example',
      })
  const root = resolve(target, '..')
  const inference = await inferFromSources(
    root,
    paths.map((path) => ({ path, kind: detectSourceKind(path) })),
  )
  await writeFileAtomic(target, renderManifest(inference), { mode: 0o644 })
  const gitignore = join(root, '.gitignore')
  const additions = gitignoreAdditions(await readIfExists(gitignore), inference)
  if (additions.length > 0) {
    const existing = (await readIfExists(gitignore)) ?? ''
    const sep = existing === '' || existing.endsWith('\n') ? '' : '\n'
    await writeFileAtomic(
      gitignore,
      `${existing}${sep}# hush: secret values and state never go to git\n${additions.join('\n')}\n`,
      { mode: 0o644 },
    )
  }
  const { out } = ctx
  const count = (kind: string) => inference.secrets.filter((s) => s.kind === kind).length
  out.line(
    `wrote ${relative(cwd, target) || target} from ${paths.map((p) => relative(cwd, p)).join(', ') || 'nothing (no sources found)'}`,
  )
  out.table(
    ['secret', 'how', 'rotates', 'found in'],
    inference.secrets.map((s) => [
      s.name,
      s.generate ?? (s.provide ? 'provide (hush set)' : `value ${JSON.stringify(s.value)}`),
      rotationOf(s),
      s.from.join('; '),
    ]),
  )
  out.line()
  out.line(
    `${inference.secrets.length} secrets: ${count('keyring')} key ring(s), ${count('password')} password(s), ${count('key')} key(s), ${count('provided')} to provide, ${count('user')} user name(s)`,
  )
  if (inference.rotators.length > 0)
    out.line(
      `rotators: ${inference.rotators.map((r) => r.name).join(', ')} (the comments above each in hush.yaml say what to set up first)`,
    )
  if (inference.ignoredKeys.length > 0)
    out.line(`not secrets (left out): ${inference.ignoredKeys.join(', ')}`)
  if (additions.length > 0) out.line(`added to .gitignore: ${additions.join(' ')}`)
  for (const w of inference.warnings) out.warn(w)
  out.line('next: review hush.yaml, then run `hush gen` and `hush check`')
  out.document({ manifest: target, ...inference, gitignoreAdded: additions })
  return EXIT_OK
}
