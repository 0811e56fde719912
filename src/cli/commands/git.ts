/**
 * `hush git setup|textconv|merge`: git diffs of sealed files show names and
 * fingerprints (never values), and a merge driver merges two branches' sealed
 * files secret by secret and re-encrypts the result.
 */
import { spawnSync } from 'node:child_process'
import { promises as fs, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { mergeBundles, openBundle } from '../../core/seal/seal.js'
import { encrypt, findIdentities } from '../../lib/age.js'
import { HushError } from '../../lib/errors.js'
import { EXIT_OK, EXIT_PROBLEMS } from '../../lib/exit-codes.js'
import { readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'
import { type Bundle, renderBundle, signBundle } from '../../lib/sealed-bundle.js'
import { findSigningKey } from '../../lib/signing.js'
import { type Ctx, open, worldOf } from '../context.js'
import { passphraseSource } from './seal.js'

const PATTERNS = ['*.hush.sealed', '*.hush.age']

function self(): string {
  return `"${process.execPath}" "${realpathSync(process.argv[1] ?? 'hush')}"`
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' })
  if (r.status !== 0)
    throw new HushError('HUSH_E_USAGE', `git ${args.join(' ')} failed: ${r.stderr.trim()}`, {
      hint: 'run hush git setup inside the repository',
    })
  return r.stdout.trim()
}

async function setup(ctx: Ctx): Promise<number> {
  const cwd = worldOf(ctx).cwd
  const top = git(cwd, ['rev-parse', '--show-toplevel'])
  git(top, ['config', 'diff.hush.textconv', `${self()} git textconv`])
  git(top, ['config', 'diff.hush.binary', 'true'])
  git(top, ['config', 'merge.hush.name', 'hush: merge sealed bundles secret by secret'])
  git(top, ['config', 'merge.hush.driver', `${self()} git merge %O %A %B`])
  const attributes = join(top, '.gitattributes')
  const text = (await readIfExists(attributes)) ?? ''
  const missing = PATTERNS.filter((p) => !text.split('\n').some((l) => l.startsWith(`${p} `)))
  if (missing.length > 0)
    await writeFileAtomic(
      attributes,
      `${text}${text && !text.endsWith('\n') ? '\n' : ''}${missing.map((p) => `${p} diff=hush merge=hush`).join('\n')}\n`,
      { mode: 0o644 },
    )
  ctx.out.result(
    `git diff shows sealed files as names and fingerprints; git merge merges them secret by secret`,
  )
  ctx.out.line(`  .gitattributes: ${PATTERNS.join(', ')} → diff=hush merge=hush (commit it)`)
  ctx.out.line('  .git/config: diff.hush.textconv, merge.hush.driver (each clone runs hush git setup once)')
  return EXIT_OK
}

async function opened(ctx: Ctx, file: string): Promise<Bundle> {
  return openBundle(await fs.readFile(file), file, {
    identities: findIdentities(worldOf(ctx).env),
    passphrase: passphraseSource(ctx),
  })
}

/** What git diff shows: one line per entry, name, version and fingerprint. Never fails the diff. */
async function textconv(ctx: Ctx, file: string): Promise<number> {
  try {
    const bundle = await opened(ctx, file)
    ctx.streams.stdout.write(`# hush sealed bundle ${bundle.project}/${bundle.env}\n`)
    for (const e of bundle.entries)
      ctx.streams.stdout.write(`${e.name} v${e.version ?? '?'} ${e.fingerprint ?? '(no fingerprint)'}\n`)
  } catch (err) {
    ctx.streams.stdout.write(
      `# hush sealed bundle (cannot open: ${err instanceof HushError ? err.code : 'error'})\n`,
    )
  }
  return EXIT_OK
}

/**
 * git's merge driver: %O base, %A ours (the result goes here), %B theirs. Exit 1 on a conflict.
 * The merged file is signed with your signing key when you have one.
 */
async function merge(ctx: Ctx, base: string, ours: string, theirs: string): Promise<number> {
  const project = await open(ctx)
  const [o, a, t] = [await opened(ctx, base), await opened(ctx, ours), await opened(ctx, theirs)]
  const { merged, conflicts } = mergeBundles(o, a, t)
  if (project.manifest.sealRecipients.length === 0)
    throw new HushError('HUSH_E_USAGE', 'seal.recipients is empty: cannot re-encrypt the merge', {
      hint: 'list the team’s age recipients under seal.recipients in hush.yaml',
    })
  const armored = (await fs.readFile(ours, 'latin1')).trimStart().startsWith('-----BEGIN AGE')
  const unsigned = { ...merged, sealedAt: project.world.now().toISOString() }
  const key = findSigningKey(worldOf(ctx).env)
  const bytes = await encrypt(renderBundle(key ? signBundle(unsigned, key) : unsigned), {
    recipients: project.manifest.sealRecipients,
    armor: armored,
  })
  await writeFileAtomic(ours, bytes, { mode: 0o644 })
  if (conflicts.length > 0) {
    ctx.streams.stderr.write(
      `hush: both branches changed ${conflicts.join(', ')}; kept ours, resolve with hush set or hush unseal\n`,
    )
    return EXIT_PROBLEMS
  }
  return EXIT_OK
}

export async function run(ctx: Ctx, action: string, args: string[]): Promise<number> {
  if (action === 'setup') return setup(ctx)
  if (action === 'textconv' && args.length === 1) return textconv(ctx, args[0]!)
  if (action === 'merge' && args.length >= 3) return merge(ctx, args[0]!, args[1]!, args[2]!)
  throw new HushError('HUSH_E_USAGE', `unknown git action "${action}"`, {
    hint: 'hush git setup (textconv and merge are what git calls)',
  })
}
