import { existsSync, promises as fs } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import { addSealRecipient } from '../../core/manifest/edit.js'
import { openBundle, seal, unseal } from '../../core/seal/seal.js'
import {
  assertRecipient,
  defaultKeyFile,
  encrypt,
  findIdentities,
  generateKey,
  readRecipientsFile,
} from '../../lib/age.js'
import { HushError, ioError } from '../../lib/errors.js'
import { EXIT_OK } from '../../lib/exit-codes.js'
import { writeFileAtomic } from '../../lib/fs-safe.js'
import { findManifest } from '../../lib/manifest-path.js'
import { renderBundle } from '../../lib/sealed-bundle.js'
import { findSigningKey, generateSigningKey, parseSigningKey, signingKeyFileFor } from '../../lib/signing.js'
import { type Ctx, open, worldOf } from '../context.js'
import { promptHidden } from '../ui/prompt.js'

/** A passphrase: HUSH_PASSPHRASE, else a hidden prompt on the terminal. */
export function passphraseSource(ctx: Ctx, confirm = false): () => Promise<string> {
  return async () => {
    const fromEnv = ctx.world.env.HUSH_PASSPHRASE
    if (fromEnv) return fromEnv
    if (!ctx.streams.stdin.isTTY)
      throw new HushError('HUSH_E_NO_INPUT', 'a passphrase is needed and stdin is not a terminal', {
        hint: 'set HUSH_PASSPHRASE, or run it in a terminal',
      })
    const first = await promptHidden(ctx.streams, 'passphrase (input hidden): ')
    if (confirm && (await promptHidden(ctx.streams, 'the same passphrase again: ')) !== first)
      throw new HushError('HUSH_E_INPUT', 'the two passphrases differ')
    if (first.length === 0) throw new HushError('HUSH_E_INPUT', 'an empty passphrase protects nothing')
    return first
  }
}

/** The signing key in `file`, or a new one written there (0600) when there is none or `force`. */
async function ensureSigningKey(
  file: string,
  now: Date,
  force: boolean,
): Promise<{ signer: string; made: boolean }> {
  if (existsSync(file) && !force)
    return { signer: parseSigningKey(await readFile(file, 'utf8'), file).signer, made: false }
  const key = generateSigningKey(now)
  await writeFileAtomic(file, key.file) // 0600, like the age identity
  return { signer: key.signer, made: true }
}

export async function keygen(
  ctx: Ctx,
  flags: { output?: string; force?: boolean; signing?: boolean },
): Promise<number> {
  const world = worldOf(ctx)
  const file = flags.output ? resolve(world.cwd, flags.output) : defaultKeyFile(world.env)
  const signingFile = signingKeyFileFor(file)
  const note = (text: string) => {
    if (!ctx.opts.quiet && !ctx.opts.json) ctx.streams.stderr.write(`${text}\n`)
  }
  if (flags.signing) {
    // the signing key alone, beside an identity you already have: made once, then only printed
    await mkdir(dirname(signingFile), { recursive: true, mode: 0o700 })
    const { signer, made } = await ensureSigningKey(signingFile, world.now(), flags.force === true)
    note(
      `${made ? 'wrote' : 'using'} ${signingFile} (0600): list the public key it prints under seal.signers in hush.yaml`,
    )
    ctx.out.result(signer)
    ctx.out.document({ signingFile, signer })
    return EXIT_OK
  }
  if (existsSync(file) && !flags.force)
    throw new HushError('HUSH_E_USAGE', `${file} exists: hush keygen never overwrites a key`, {
      hint: 'choose another file with -o, or remove the old key first (files sealed for it need it to open); hush keygen --signing adds a signing key beside it',
    })
  const key = await generateKey(world.now())
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  await writeFileAtomic(file, key.file) // 0600
  const { signer } = await ensureSigningKey(signingFile, world.now(), flags.force === true)
  // like age-keygen: the notes on stderr, the public key alone on stdout (for $(hush keygen))
  note(
    `wrote ${file} and ${signingFile} (0600): keep them secret; share the public key it prints (seal.recipients)`,
  )
  note(`your signing key for seal.signers in hush.yaml: ${signer}`)
  const addedTo = await offerRecipient(ctx, key.recipient, note)
  ctx.out.result(key.recipient)
  ctx.out.document({ file, recipient: key.recipient, signingFile, signer, ...(addedTo ? { addedTo } : {}) })
  return EXIT_OK
}

/**
 * The project's hush.yaml, if there is one, gets the new recipient in seal.recipients, so that `seal`
 * right after `keygen` works: with -y, or when a person at the terminal says yes. Returns the file.
 */
async function offerRecipient(
  ctx: Ctx,
  recipient: string,
  note: (text: string) => void,
): Promise<string | undefined> {
  const world = worldOf(ctx)
  const manifest = findManifest(resolve(world.cwd, ctx.opts.dir ?? '.'))
  if (!manifest) return undefined
  const where = relative(world.cwd, manifest) || 'hush.yaml'
  const { stdin, stderr } = ctx.streams
  const asked = !ctx.opts.yes && stdin.isTTY === true && stderr.isTTY === true
  const yes =
    ctx.opts.yes === true ||
    (asked &&
      /^y(es)?$/i.test(
        (await promptHidden(ctx.streams, `add it to seal.recipients in ${where}? [y/N] `)).trim(),
      ))
  if (!yes) {
    note(`to seal for this key, add it to seal.recipients in ${where} (hush keygen -y does)`)
    return undefined
  }
  const added = await addSealRecipient(manifest, recipient)
  note(added ? `added it to seal.recipients in ${where}` : `seal.recipients in ${where} lists it already`)
  return manifest
}

interface SealFlags {
  recipient?: string[]
  recipientsFile?: string[]
  passphrase?: boolean
  output?: string
  armor?: boolean
  compress?: boolean
  updateRecipients?: string
}

export async function runSeal(ctx: Ctx, flags: SealFlags): Promise<number> {
  const project = await open(ctx)
  const world = worldOf(ctx)
  const recipients = [
    ...project.manifest.sealRecipients,
    ...(flags.recipient ?? []).map((r) => assertRecipient(r, '-r')),
    ...(flags.recipientsFile ?? []).flatMap((f) => readRecipientsFile(resolve(world.cwd, f))),
  ]
  const options = {
    recipients: [...new Set(recipients)],
    ...(flags.passphrase ? { passphrase: await passphraseSource(ctx, true)() } : {}),
    armor: flags.armor === true,
    compress: flags.compress === true,
  }
  if (flags.updateRecipients) {
    // re-encrypt an existing bundle for today's list: open it with your identity, seal it again
    // (its content is unchanged, so its signature, if any, still verifies)
    const file = resolve(world.cwd, flags.updateRecipients)
    const bundle = await openBundle(await readFile(file), file, {
      identities: findIdentities(world.env),
      passphrase: passphraseSource(ctx),
    })
    if (options.recipients.length === 0 && !options.passphrase)
      throw new HushError('HUSH_E_USAGE', 'no recipients to seal for', {
        hint: 'list seal.recipients in hush.yaml or pass -r',
      })
    await writeFileAtomic(file, await encrypt(renderBundle(bundle), options), { mode: 0o644 })
    ctx.out.result(
      `re-sealed ${file} for ${options.recipients.length} recipient(s)${options.passphrase ? ' and a passphrase' : ''}`,
    )
    return EXIT_OK
  }
  const signingKey = findSigningKey(world.env)
  if (!signingKey)
    ctx.out.warn(
      'the bundle is not signed (no signing key: HUSH_SIGNING_KEY, HUSH_SIGNING_KEY_FILE, or keys.signing.pem beside your age identity); hush unseal refuses it without --allow-unsigned. hush keygen --signing makes one',
    )
  else if (!project.manifest.sealSigners.includes(signingKey.signer))
    ctx.out.warn(
      `your signing key ${signingKey.signer} is not listed under seal.signers in ${project.manifest.file}: hush unseal refuses its bundles until it is`,
    )
  const { bytes, bundle } = await seal(project, options, signingKey)
  const out = flags.output ?? `${project.environment.name}.hush.age`
  if (out === '-') ctx.streams.stdout.write(bytes)
  else {
    const path = resolve(world.cwd, out)
    await writeFileAtomic(path, bytes, { mode: 0o600 })
    ctx.out.result(
      `sealed ${bundle.entries.length} entries of ${bundle.env} into ${path} for ${options.recipients.length} recipient(s)${options.passphrase ? ' and a passphrase' : ''}`,
    )
  }
  ctx.out.document({
    env: bundle.env,
    entries: bundle.entries.length,
    recipients: options.recipients,
    ...(bundle.signer ? { signer: bundle.signer } : {}),
    output: out,
  })
  return EXIT_OK
}

async function readFile(path: string): Promise<Buffer>
async function readFile(path: string, encoding: 'utf8'): Promise<string>
async function readFile(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
  try {
    return encoding ? await fs.readFile(path, encoding) : await fs.readFile(path)
  } catch (err) {
    throw ioError('read', path, err)
  }
}

export async function runUnseal(
  ctx: Ctx,
  file: string,
  flags: { dryRun?: boolean; identity?: string[]; allowUnsigned?: boolean; allowRollback?: boolean },
): Promise<number> {
  const world = worldOf(ctx)
  const path = resolve(world.cwd, file)
  const bundle = await openBundle(await readFile(path), path, {
    identities: findIdentities(
      world.env,
      (flags.identity ?? []).map((i) => resolve(world.cwd, i)),
    ),
    passphrase: passphraseSource(ctx),
  })
  // into the environment it was sealed from, when this project has one of that name (or -e)
  const project = await open(ctx).then(async (p) =>
    ctx.opts.env || !p.manifest.environments.has(bundle.env) || p.environment.name === bundle.env
      ? p
      : open({ ...ctx, opts: { ...ctx.opts, env: bundle.env } }),
  )
  const result = await unseal(project, bundle, {
    dryRun: flags.dryRun === true,
    allowUnsigned: flags.allowUnsigned === true,
    allowRollback: flags.allowRollback === true,
    where: path,
  })
  const { out } = ctx
  const { paint } = out
  if (result.note) out.warn(result.note)
  const signed = result.source.signer
    ? `, signed by ${result.source.signer.slice(0, 22)}…`
    : bundle.signer
      ? `, signed by an unlisted ${bundle.signer.slice(0, 22)}…`
      : ', unsigned'
  out.line(
    `${path} (${bundle.project}/${bundle.env}, sealed ${bundle.sealedAt}${signed}) → ${result.env}${result.dryRun ? ' (dry run: nothing written)' : ''}`,
  )
  const mark = { '+': paint.green('+'), '~': paint.yellow('~'), '=': paint.dim('='), unknown: paint.dim('?') }
  out.table(
    ['', 'entry', 'now', 'sealed', 'note'],
    result.rows.map((r) => [
      mark[r.action],
      r.entry,
      r.from ?? '-',
      r.to,
      r.action === 'unknown'
        ? 'not in hush.yaml: skipped'
        : r.note === 'recomputed'
          ? 'recomputed by hush'
          : '',
    ]),
  )
  out.result(
    result.dryRun
      ? `${result.rows.filter((r) => r.action === '+' || r.action === '~').length} to write`
      : `${result.written} written`,
  )
  out.document(result)
  return EXIT_OK
}
