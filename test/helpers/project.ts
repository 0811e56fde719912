import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { openProject, type Project } from '../../src/core/project.js'

export const CLI = resolve(import.meta.dirname, '../../dist/cli.cjs')
export const FROZEN = new Date('2026-01-01T00:00:00.000Z')

/** A fresh directory holding `hush.yaml`; a git work tree when `git` is set. */
export function tmpProject(manifest: string, options: { git?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hush-test-'))
  writeFileSync(join(dir, 'hush.yaml'), manifest)
  if (options.git) git(dir, 'init', '-q')
  return dir
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.test', '-c', 'user.name=t', ...args], {
    cwd: dir,
    encoding: 'utf8',
  })
}

/** The test file's user config directory (test/helpers/user-config.ts): never the real ~/.config. */
export function userConfig(): string {
  const dir = process.env.XDG_CONFIG_HOME
  if (!dir?.startsWith(tmpdir()))
    throw new Error('run tests through vitest: XDG_CONFIG_HOME must be a temp dir')
  return dir
}

/** Open a project in-process with a frozen (or given) clock. */
export function project(dir: string, env = 'development', now: () => Date = () => FROZEN): Promise<Project> {
  return openProject({ cwd: dir, env: { HUSH_ACTOR: 'tester', XDG_CONFIG_HOME: userConfig() }, now }, env)
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Run the built CLI as a user would. */
export function hush(
  args: string[],
  options: { cwd: string; input?: string; env?: Record<string, string> },
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        XDG_CONFIG_HOME: userConfig(),
        HUSH_ACTOR: 'tester',
        NO_COLOR: '1',
        ...options.env,
      },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', fail)
    child.on('close', (code) => done({ code, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
}
