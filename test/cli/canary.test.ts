/**
 * Plant canary values in every secret and run every command of the foundation:
 * no canary may appear in stdout, stderr, the audit log or metadata — except
 * the output of `get --reveal`, which exists to print it.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startAwsFixture } from '../fixtures/aws-secretsmanager-api.js'
import { startSsmFixture } from '../fixtures/aws-ssm-api.js'
import { startAzureFixture } from '../fixtures/azure-keyvault-api.js'
import { startGcpFixture } from '../fixtures/gcp-secretmanager-api.js'
import { startVaultFixture } from '../fixtures/vault-api.js'
import { type CliResult, hush, tmpProject } from '../helpers/project.js'

const CANARY = {
  hf_token: 'hf_CANARYhf0123456789abcdefghijklmnopq', // hush:allow (a planted canary)
  api_key: 'sk-CANARY-apikey-7f3e2d1c0b9a', // hush:allow (a planted canary)
  db_password: 'CANARYdbpw-9d8c7b6a5f4e3d2c', // hush:allow (a planted canary)
}

const manifest = `version: 1
project: canary
environments:
  development: { path: secrets/dev }
  staging: { store: dotenv, path: staging.env }
services:
  api: [hf_token, api_key, db_url]
secrets:
  hf_token: { provide: true, pattern: '^hf_[A-Za-z0-9]{30,}$' }
  api_key: { provide: true }
  db_password: { provide: true }
  session_key: { generate: base64:32 }
  db_url: { derive: "postgresql://app:{{db_password | url}}@db/app" }
`

/** Everything hush keeps besides values: its state dir and the store metadata. */
function allText(dir: string): string {
  const out: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out.push(readFileSync(p, 'utf8'))
    }
  }
  walk(join(dir, '.hush'))
  walk(join(dir, 'secrets', 'dev', '.hush'))
  return out.join('\n')
}

describe('no command prints a secret value', () => {
  it('keeps every canary out of every output, log and audit line', async () => {
    const dir = tmpProject(manifest, { git: true })
    writeFileSync(join(dir, '.gitignore'), '/secrets/\n.hush/\nstaging.env\n')
    const outputs: CliResult[] = []
    const run = async (args: string[], input?: string) => {
      const r = await hush(args, { cwd: dir, ...(input !== undefined ? { input } : {}) })
      outputs.push(r)
      return r
    }
    // a tree and a staged file that leak every canary, for scan
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(dir, 'leak'))
    writeFileSync(join(dir, 'leak', 'env.txt'), `${Object.values(CANARY).join('\n')}\n`)
    const { execFileSync } = await import('node:child_process')
    execFileSync('git', ['add', 'leak'], { cwd: dir })
    for (const [name, value] of Object.entries(CANARY)) {
      expect((await run(['set', name, '--stdin'], value)).code).toBe(0)
      expect((await run(['set', name, '--stdin', '-e', 'staging'], value)).code).toBe(0)
    }
    // refusals must not echo the value either
    expect((await run(['set', 'hf_token', '--stdin'], 'CANARY-does-not-match-pattern')).code).toBe(2)
    expect((await run(['set', 'api_key', '--stdin'], 'CHANGEME-CANARY-placeholder')).code).toBe(2)
    for (const args of [
      ['gen'],
      ['gen', '--force', '--json'],
      ['gen', '-e', 'staging'],
      ['check'],
      ['check', '-e', 'staging'],
      ['check', '--format', 'json'],
      ['check', '--format', 'sarif'],
      ['status'],
      ['status', '--json'],
      ['get', 'hf_token'],
      ['get', 'db_url', '--json'],
      ['audit'],
      ['audit', 'tail', '--json'],
      ['audit', 'verify'],
      ['doctor'],
      ['doctor', '--json'],
      ['--help'],
      ['init', '-o', 'scratch.yaml'],
      ['run', '--redact', '--', 'printenv'],
      ['export', 'compose', '-o', '-'],
      ['run', '--redact', '--files', '--', 'sh', '-c', 'cat "$HUSH_SECRETS_DIR"/*'],
      ['scan', 'leak'],
      ['scan', 'leak', '--format', 'json'],
      ['scan', 'leak', '--format', 'sarif'],
      ['scan', '--git'],
      ['scan', '--staged'],
    ])
      await run(args)
    // seal / unseal / the git textconv print names and fingerprints only
    const recipient = (await run(['keygen', '-o', 'k.txt'])).stdout.trim()
    await run(['seal', '-r', recipient, '-o', 'b.age'])
    await run(['seal', '-r', recipient, '--armor', '-o', 'b.asc'])
    // the bundles are unsigned (no signing key found at seal time): refused, then read with --allow-unsigned
    for (const args of [
      ['unseal', 'b.age', '-e', 'staging', '-i', 'k.txt', '--dry-run'],
      ['unseal', 'b.age', '-e', 'staging', '-i', 'k.txt', '--dry-run', '--allow-unsigned'],
      ['unseal', 'b.asc', '-i', 'k.txt', '--json', '--allow-unsigned'],
      ['git', 'textconv', 'b.age'],
    ])
      outputs.push(await hush(args, { cwd: dir, env: { HUSH_AGE_KEY_FILE: join(dir, 'k.txt') } }))
    expect(outputs.at(-2)?.code, outputs.at(-2)?.stderr).toBe(0)
    const reveal = await hush(['get', 'hf_token', '--reveal'], { cwd: dir })
    expect(reveal.stdout).toBe(CANARY.hf_token)

    const everything = [...outputs.flatMap((r) => [r.stdout, r.stderr]), allText(dir)].join('\n')
    const planted = [
      ...Object.values(CANARY),
      'CANARY-does-not-match-pattern',
      'CHANGEME-CANARY-placeholder',
      encodeURIComponent(CANARY.db_password),
    ]
    for (const value of planted)
      expect(everything.includes(value), `leaked ${value.slice(0, 6)}…`).toBe(false)
    expect(everything).not.toContain('CANARY')
    // the reveal was audited
    const audit = await hush(['audit', '--json'], { cwd: dir })
    expect(JSON.parse(audit.stdout).entries.some((e: { action: string }) => e.action === 'reveal')).toBe(true)
  })

  it('keeps every canary out of push, pull, rotate, status, doctor and export with remote stores (API fixtures)', async () => {
    const [vault, aws, ssm, gcp, azure] = await Promise.all([
      startVaultFixture(),
      startAwsFixture(),
      startSsmFixture(),
      startGcpFixture('canary-project'),
      startAzureFixture(),
    ])
    try {
      const dir = tmpProject(`version: 1
project: canary
environments:
  development: { path: secrets/dev, distribute_to: [vault_prod, aws_prod, ssm_prod, gcp_prod, azure_prod] }
  restore: { path: secrets/restore }
  vault_prod: { store: vault, address: ${vault.address} }
  aws_prod: { store: aws, region: eu-west-1, endpoint: ${aws.endpoint} }
  ssm_prod: { store: ssm, region: eu-west-1, endpoint: ${ssm.endpoint} }
  gcp_prod: { store: gcp, gcp_project: canary-project, endpoint: ${gcp.endpoint} }
  azure_prod: { store: azure, address: ${azure.address} }
secrets:
  api_key: { provide: true }
  db_password: { provide: true, rotate: 30d }
  db_url: { derive: "postgresql://app:{{db_password | url}}@db/app" }
`)
      const env = {
        VAULT_TOKEN: vault.token,
        AWS_ACCESS_KEY_ID: 'AKIDFIXTURE',
        AWS_SECRET_ACCESS_KEY: 'fixture-secret',
        GOOGLE_OAUTH_ACCESS_TOKEN: gcp.token,
        AZURE_ACCESS_TOKEN: azure.token,
      }
      const outputs: CliResult[] = []
      const run = async (args: string[], input?: string) => {
        const r = await hush(args, { cwd: dir, env, ...(input !== undefined ? { input } : {}) })
        outputs.push(r)
        return r
      }
      expect((await run(['set', 'api_key', '--stdin'], CANARY.api_key)).code).toBe(0)
      expect((await run(['set', 'db_password', '--stdin'], CANARY.db_password)).code).toBe(0)
      expect((await run(['gen'])).code).toBe(0)
      expect((await run(['push', '--dry-run'])).code).toBe(0)
      expect((await run(['push'])).code, outputs.at(-1)!.stderr).toBe(0)
      aws.failWritesAfter = 0 // a refused write names no value either
      const partial = await run(['set', 'api_key', '--stdin', '-e', 'aws_prod'], `${CANARY.api_key}-2`)
      aws.failWritesAfter = undefined
      expect(partial.code).toBe(1)
      for (const target of ['vault_prod', 'aws_prod', 'ssm_prod', 'gcp_prod', 'azure_prod'])
        for (const args of [
          ['status', '-e', target],
          ['get', 'db_password', '-e', target, '--json'],
          ['check', '-e', target],
          ['pull', '-e', 'restore', '--from', target],
        ])
          await run(args)
      for (const args of [
        ['doctor', '--json'],
        ['export', 'external-secrets', '--provider', 'gcp', '-o', '-'],
        ['rotate', 'api_key'],
        ['rotate', 'db_password', '-e', 'azure_prod'],
        ['rotate', 'db_password', '-e', 'gcp_prod'],
        ['audit'],
      ])
        await run(args)
      const metadata = [
        ...[...gcp.secrets.values()].map((s) => JSON.stringify(s.annotations) + JSON.stringify(s.labels)),
        ...[...azure.secrets.values()].flatMap((s) => s.versions.map((v) => JSON.stringify(v.tags))),
        ...[...ssm.parameters.values()].map((p) => p.description ?? ''),
        ...[...aws.secrets.values()].map((s) => JSON.stringify([...s.tags])),
        ...[...vault.kv.values()].map((e) => JSON.stringify(e.custom_metadata)),
      ].join('\n')
      const everything = [...outputs.flatMap((r) => [r.stdout, r.stderr]), metadata, allText(dir)].join('\n')
      for (const value of [CANARY.api_key, CANARY.db_password, encodeURIComponent(CANARY.db_password)])
        expect(everything.includes(value), `leaked ${value.slice(0, 6)}…`).toBe(false)
      expect(everything).not.toContain('CANARY')
      // the values did reach the stores
      expect(readFileSync(join(dir, 'secrets', 'restore', 'db_password'), 'utf8')).toBe(CANARY.db_password)
    } finally {
      await Promise.all([vault, aws, ssm, gcp, azure].map((f) => f.close()))
    }
  }, 300_000) // about 40 CLI runs against five API fixtures: slow on a loaded machine (a safety net, not a speed check)
})
