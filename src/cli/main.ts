/**
 * The CLI entry point: parses argv, runs one command, maps errors to exit codes.
 * Only this file decides the exit status; commands return it or throw.
 */
import { Command, CommanderError, Option } from 'commander'
import { realWorld } from '../core/world.js'
import { HushError } from '../lib/errors.js'
import {
  describeExitCodes,
  EXIT_OK,
  EXIT_OVERDUE,
  EXIT_PARTIAL,
  EXIT_PROBLEMS,
  EXIT_USAGE,
} from '../lib/exit-codes.js'
import { open } from './context.js'
import { type Action, execute } from './execute.js'
import type { GlobalOptions, Streams } from './ui/output.js'
import { VERSION } from './version.js'

/**
 * `hush run node -e 1` without `--`: the parser takes the command's own options for hush's (`-e 1`
 * becomes the environment "1"). The command as typed, when it has options and no `--` before it.
 */
function commandWithoutSeparator(argv: readonly string[]): string[] | undefined {
  if (argv[0] !== 'run' || argv.includes('--')) return undefined
  const takesValue = new Set(['--only', '-e', '--env', '-C', '--dir'])
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!
    if (takesValue.has(arg)) i++
    else if (!arg.startsWith('-')) {
      const command = argv.slice(i)
      return command.slice(1).some((a) => a.startsWith('-')) ? command : undefined
    }
  }
  return undefined
}

function buildProgram(
  streams: Streams,
  setAction: (a: Action) => void,
  argv: readonly string[] = [],
): Command {
  // settings made before .command() are inherited by every subcommand
  const program = new Command('hush')
    .exitOverride()
    .configureOutput({ writeOut: (s) => streams.stdout.write(s), writeErr: (s) => streams.stderr.write(s) })
    .description('One typed manifest (hush.yaml) for the secrets of containerized services.')
    .version(VERSION, '-V, --version')
    .option('-C, --dir <dir>', 'run as if started in DIR (hush.yaml is found by walking up from there)')
    .option('-e, --env <name>', 'environment to work on (default: $HUSH_ENV or development)')
    .option('--json', 'machine output on stdout: one JSON document')
    .option('-q, --quiet', 'print only results and errors')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .option('-y, --yes', 'never prompt')
    .option('--allow-outside-project', 'let store paths in hush.yaml resolve outside the project directory')
    .option('--adopt', 'let hush take over an existing store file it did not create (a .env with other keys)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes:
${describeExitCodes()}

No command prints a secret value unless asked with get --reveal.`,
    )

  program
    .command('init')
    .description('write hush.yaml from docker-compose secrets, *_FILE variables and .env.example keys')
    .option('--from <file...>', 'compose files and .env.example files to read (default: found ones)')
    .option('--force', 'overwrite an existing hush.yaml')
    .option('-o, --output <file>', 'write the manifest here instead of ./hush.yaml')
    .addHelpText('after', '\nExample:\n  hush init --from docker/docker-compose.yml --from .env.example')
    .action((flags) => setAction(async (c) => (await import('./commands/init.js')).run(c, flags)))

  program
    .command('gen')
    .argument('[name...]', 'only these secrets (default: all)')
    .description('create every missing generated, derived and fixed secret; never overwrites without --force')
    .option('--force', 'regenerate existing values too')
    .option('--dry-run', 'show the plan, write nothing')
    .addHelpText('after', '\nExamples:\n  hush gen\n  hush gen session_key --force -e production')
    .action((names: string[], flags) =>
      setAction(async (c) => (await import('./commands/gen.js')).run(c, names, flags)),
    )

  program
    .command('set')
    .argument('<name>', 'the secret to store')
    .description('store a value a person supplies (hidden prompt on a terminal), checked against its pattern')
    .option('--stdin', 'read the value from standard input (one trailing newline is dropped)')
    .option('--file <file>', 'read the value from a file')
    .option('--allow-placeholder', 'store a value that looks like a placeholder anyway')
    .addHelpText(
      'after',
      '\nExamples:\n  hush set huggingface_token\n  printf %s "$TOKEN" | hush set huggingface_token --stdin -e production',
    )
    .action((name: string, flags) =>
      setAction(async (c) => (await import('./commands/set.js')).run(c, name, flags)),
    )

  program
    .command('get')
    .argument('<name>', 'a secret or one of its entries (jwt_secret_previous)')
    .description('show metadata (version, fingerprint, age); the value only with --reveal, which is audited')
    .option('--reveal', 'print the value itself')
    .action((name: string, flags) =>
      setAction(async (c) => (await import('./commands/get.js')).run(c, name, flags)),
    )

  program
    .command('check')
    .description(
      'validate an environment: missing, empty, placeholder, weak, pattern, permissions, git, reuse',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']))
    .addHelpText(
      'after',
      `\nExit status ${EXIT_PROBLEMS} when any error-severity finding exists.\nExample:\n  hush check -e production --format sarif > hush.sarif`,
    )
    .action((flags) => setAction(async (c) => (await import('./commands/check.js')).run(c, flags)))

  program
    .command('rotate')
    .argument('[name...]', 'the secrets to rotate')
    .description('rotate through PLANNED → … → PROMOTED → GRACE → REVOKED, crash-safe and resumable')
    .option('--due', 'rotate everything overdue, and finish jobs whose grace window ended')
    .option('--dry-run', 'print the plan, change nothing')
    .option('--resume', 'continue open jobs (all of them when no name is given)')
    .option('--abort', 'undo an open job that has not reached PROMOTED')
    .option('--retire <name>', 'end the grace window of a job now: the previous value stops working')
    .option('--allow-downtime', 'rotate single-credential servers (redis requirepass, one postgres role)')
    .addHelpText(
      'after',
      '\nExamples:\n  hush rotate jwt_secret\n  hush rotate --due -e production\n  hush rotate --retire jwt_secret',
    )
    .action((names: string[], flags) =>
      setAction(async (c) => (await import('./commands/rotate.js')).run(c, names, flags)),
    )

  program
    .command('rollback')
    .argument('<name...>', 'the secrets to roll back')
    .description(
      'put back the value the last rotation replaced, everywhere it wrote (stores, mirrors, swarm services, the server through its rotator), through the same crash-safe steps; audited',
    )
    .option('--allow-downtime', 'roll back where consumers cannot be kept working (see hush rotate)')
    .addHelpText(
      'after',
      '\nThe replaced value is kept in .hush/history/ for rotate.retain (default 30d).\nExamples:\n  hush rollback postgres_password\n  hush rollback session_key -e production',
    )
    .action((names: string[], flags) =>
      setAction(async (c) => (await import('./commands/rollback.js')).run(c, names, flags)),
    )

  program
    .command('export')
    .argument('<format>', 'compose, k8s, kustomize or external-secrets')
    .description(
      "emit config for the secrets: a compose override mounting each service's secrets (compose), Kubernetes Secrets (k8s, values: 0600 files), a kustomize secretGenerator with its value files (kustomize), or External Secrets Operator manifests that point at a provider (external-secrets, no values)",
    )
    .option('-o, --output <file>', 'where to write it ("-" for stdout; a directory for kustomize)')
    .option(
      '--per <env|service>',
      'k8s, kustomize, external-secrets: one Secret for the environment or one per service',
      'env',
    )
    .option('--namespace <ns>', 'the Kubernetes namespace to put in the manifests')
    .option('--data', 'k8s: base64 data instead of stringData')
    .option('--reveal', 'k8s: allow writing the values to stdout')
    .option('--provider <aws|vault|gcp|azure>', 'external-secrets: the SecretStore provider')
    .option(
      '--compose-version <v>',
      "compose: the version: to declare (default: the base compose file's, none when it declares none)",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  hush export compose -o docker-compose.hush.yml\n  hush export k8s -e production --per service -o k8s/secrets.yaml\n  hush export k8s -o - --reveal | kubectl apply -f -\n  hush export kustomize -o k8s/production\n  hush export external-secrets --provider aws -o k8s/external-secrets.yaml',
    )
    .action((format: string, flags) =>
      setAction(async (c) => (await import('./commands/export.js')).run(c, format, flags)),
    )

  program
    .command('push')
    .description(
      `distribute the environment's secrets to its swarm and its distribute_to environments (or the one --to names): a plan by fingerprint (+ create, ~ new version, = same, - remove), applied unless --dry-run; swarm services that mount an older version move to the new one; exit ${EXIT_PARTIAL} when some targets failed`,
    )
    .option(
      '--to <store|env>',
      'swarm, or an environment of hush.yaml (e.g. store: vault, aws, gcp) to copy into',
    )
    .option('--dry-run', 'show the plan, change nothing')
    .option(
      '--prune',
      'also remove swarm secrets no longer in hush.yaml and superseded versions no service mounts',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  hush push -e production --dry-run\n  hush push -e production\n  hush push -e staging --to swarm --prune\n  hush push -e production --to vault_prod',
    )
    .action((flags) => setAction(async (c) => (await import('./commands/push.js')).run(c, flags)))

  program
    .command('pull')
    .description(
      'compare a remote store with the local one by fingerprint; Swarm never returns values, so nothing is imported from it',
    )
    .option('--from <store|env>', 'swarm (fingerprints only), or an environment of hush.yaml to copy from')
    .option('--dry-run', 'show the plan, write nothing')
    .addHelpText(
      'after',
      '\nExamples:\n  hush pull -e production --from swarm\n  hush pull -e development --from vault_prod --dry-run',
    )
    .action((flags) => setAction(async (c) => (await import('./commands/pull.js')).run(c, flags)))

  program
    .command('scan')
    .argument('[paths...]', 'files or directories (default: the project, or the current directory)')
    .description(
      `find leaked credentials: built-in rules (AWS, OpenAI, Anthropic, Hugging Face, GitHub, GitLab, Slack, Stripe, Google, Mapbox, Sentry, JWTs, private keys, age identities, URL passwords, password= assignments) and, with a hush.yaml, the project's own values in raw, base64, base64url, URL, hex and JSON form. Exit ${EXIT_PROBLEMS} on new findings`,
    )
    .option('--git', 'scan every unique blob in git history; findings name the commit that introduced them')
    .option('--since <rev>', 'with --git: only what was added after this revision')
    .option('--staged', 'scan the lines the next commit adds (the pre-commit hook)')
    .option('--no-known', "leave out the project's own values")
    .option('--no-rules', "only the project's own values (no credential rules)")
    .option('--no-ignore', 'also scan files .gitignore excludes')
    .option('--max-size <bytes>', 'skip files larger than this', String(10 * 1024 * 1024))
    .option('--format <format>', 'text, json or sarif')
    .option('--baseline <file>', 'findings listed in this file do not fail the scan')
    .option('--update-baseline', 'write every current finding to the --baseline file')
    .option('--workers <n>', 'worker threads (default: one per core for large trees; 0 = none)')
    .addHelpText(
      'after',
      '\nExamples:\n  hush scan\n  hush scan --git --since v1.2.0\n  hush scan --staged\n  hush scan --format sarif > hush-scan.sarif\n  hush scan --baseline .hush-scan-baseline.json --update-baseline',
    )
    .action((paths: string[], flags) =>
      setAction(async (c) => (await import('./commands/scan.js')).run(c, paths, flags)),
    )

  program
    .command('hook')
    .argument('<action>', 'install')
    .description('install a git pre-commit hook that runs hush scan --staged')
    .option('--force', 'replace an existing pre-commit hook')
    .addHelpText('after', '\nExample:\n  hush hook install')
    .action((action: string, flags) =>
      setAction(async (c) => (await import('./commands/hook.js')).run(c, action, flags)),
    )

  program
    .command('keygen')
    .description(
      'make an age X25519 identity and an Ed25519 signing key beside it (0600) for seal / unseal, and print the public recipient',
    )
    .option(
      '-o, --output <file>',
      'where to write it (default ~/.config/hush/keys.txt; the signing key goes to keys.signing.pem)',
    )
    .option(
      '--signing',
      'only the signing key: make it beside the identity if missing, print its public key (for seal.signers)',
    )
    .option('--force', 'replace an existing key file')
    .addHelpText(
      'after',
      '\nExamples:\n  hush keygen            # then add the printed age1… key to seal.recipients\n  hush keygen --signing  # prints hush-ed25519:… for seal.signers',
    )
    .action((flags) => setAction(async (c) => (await import('./commands/seal.js')).keygen(c, flags)))

  const collect = (v: string, all: string[] = []) => [...all, v]
  program
    .command('seal')
    .description(
      "encrypt the environment's secrets (values and metadata, as readable YAML, signed with your signing key) with age to every recipient: any age tool can open it",
    )
    .option('-r, --recipient <age1…>', 'an age recipient (repeatable; adds to seal.recipients)', collect)
    .option('-R, --recipients-file <file>', 'a file of recipients, one per line (repeatable)', collect)
    .option('--passphrase', 'also (or only) encrypt to a passphrase (prompted, or HUSH_PASSPHRASE)')
    .option('-o, --output <file>', 'where to write it ("-" for stdout; default <env>.hush.age)')
    .option('-a, --armor', 'ASCII armor (PEM-style text) instead of binary')
    .option('--compress', 'gzip the document before encrypting (age -d then yields gzip)')
    .option('--update-recipients <file>', 're-encrypt an existing sealed file for the current recipients')
    .addHelpText(
      'after',
      '\nExamples:\n  hush seal -e production -o backup.age\n  hush seal -r age1… --armor -o - | age -d -i key.txt\n  hush seal --update-recipients production.hush.age',
    )
    .action((flags) => setAction(async (c) => (await import('./commands/seal.js')).runSeal(c, flags)))

  program
    .command('unseal')
    .argument('<file>', 'a file sealed by hush seal (or any age-encrypted hush bundle)')
    .description(
      'decrypt and verify a sealed bundle (signer, project, dates, rollback, hush.yaml rules), show the plan by fingerprint, and write it to the environment (its own, unless -e)',
    )
    .option(
      '-i, --identity <file>',
      'an age identity file (repeatable; also HUSH_AGE_KEY_FILE, HUSH_AGE_KEY)',
      collect,
    )
    .option('--dry-run', 'show the plan, write nothing')
    .option(
      '--allow-unsigned',
      'accept a bundle that no key in seal.signers signed (one sealed before hush signed bundles)',
    )
    .option('--allow-rollback', 'accept entries older (by version or time) than the store holds')
    .addHelpText(
      'after',
      '\nExample:\n  hush unseal backup.age --dry-run\n  hush unseal backup.age -e staging\n  hush unseal old-backup.age --allow-unsigned',
    )
    .action((file: string, flags) =>
      setAction(async (c) => (await import('./commands/seal.js')).runUnseal(c, file, flags)),
    )

  program
    .command('git')
    .argument('<action>', 'setup (textconv and merge are what git calls)')
    .argument('[args...]')
    .description(
      'git integration for sealed files: diffs show names and fingerprints, merges go secret by secret',
    )
    .addHelpText('after', '\nExample:\n  hush git setup')
    .action((action: string, args: string[]) =>
      setAction(async (c) => (await import('./commands/git.js')).run(c, action, args)),
    )

  program
    .command('run')
    .argument('<command...>', 'the command and its arguments, after --')
    .description(
      "run a command with the environment's secrets as env vars (or files); its exit code is hush's",
    )
    .option(
      '--files',
      'write the secrets to a private tmpfs directory and set X_FILE and HUSH_SECRETS_DIR instead',
    )
    .option(
      '--redact',
      "mask secret values (and their base64, hex, URL and JSON forms) in the command's output",
    )
    .option('--only <names>', 'only these secrets (comma-separated)')
    .option(
      '--from-files',
      'container entrypoint shim: every X_FILE under $HUSH_SECRETS_DIR (default /run/secrets) becomes X; no hush.yaml needed',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  hush run -- node server.js\n  hush run --files --only database_url -- ./migrate.sh\n  ENTRYPOINT ["hush", "run", "--from-files", "--"]',
    )
    .action((command: string[], flags) =>
      setAction(async (c) => {
        const typed = commandWithoutSeparator(argv)
        if (typed)
          throw new HushError(
            'HUSH_E_USAGE',
            `put -- before the command: without it, ${typed[0]}'s options are read as hush's`,
            {
              hint: `hush run [hush options] -- ${typed[0]} …`,
            },
          )
        if (!flags.fromFiles) await open(c) // loading the manifest refreshes the runtime index run reads
        return (await import('./commands/run.js')).run(c, command, flags)
      }),
    )

  program
    .command('status')
    .description('version, age, rotation policy, next rotation and state of every secret')
    .option('--check', `exit ${EXIT_OVERDUE} when a secret is overdue`)
    .action((flags) => setAction(async (c) => (await import('./commands/status.js')).run(c, flags)))

  program
    .command('audit')
    .argument('[action]', 'tail (default) or verify')
    .description(
      'the audit log, chained and MACed under your audit key: who did what to which secret, fingerprints only',
    )
    .option('-n, --lines <n>', 'how many entries tail shows', '20')
    .action((action: string | undefined, flags) =>
      setAction(async (c) => (await import('./commands/audit.js')).run(c, action, flags)),
    )

  program
    .command('doctor')
    .description('diagnose: missing or empty files, permissions, compose paths, .gitignore, Docker engine')
    .action(() => setAction(async (c) => (await import('./commands/doctor.js')).run(c)))

  return program
}

/** Run the CLI; resolves to the exit status. */
export async function main(argv: readonly string[], streams: Streams, world = realWorld()): Promise<number> {
  let action: Action | undefined
  const program = buildProgram(
    streams,
    (a) => {
      action = a
    },
    argv,
  )
  try {
    await program.parseAsync(argv as string[], { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    throw err
  }
  if (!action) return EXIT_OK
  return execute(action, program.opts<GlobalOptions>(), streams, world)
}
