/**
 * Keeps README.md and docs/*.md true.
 *
 * - Every ```console block is a transcript: `$ CMD` lines, each followed by the output it prints
 *   (stdout and stderr together). A line `...` stands for any number of lines, `...` inside a line
 *   for any text (fingerprints, finding ids, timings). Every command runs with bash in a temporary
 *   project made from the README's `file=` blocks (hush.yaml, .gitignore), one project per doc file,
 *   the transcripts of a file in order; `hush` is the built CLI (dist/cli.cjs). A command must exit 0:
 *   a transcript shows a failure as `$ hush check || echo "exit $?"`.
 * - A block whose info string has `file=PATH` (```yaml file=app/docker-compose.yml) is written to
 *   PATH in the project before the transcripts that follow it run.
 * - Output must never contain a secret value, and a transcript never asks for one (--reveal).
 * - Every relative link points to an existing file (and heading), README.md stays ≤ 10 KB, and every
 *   command `hush --help` lists is in the README's table and in docs/commands.md.
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI } from '../helpers/project.js'

const ROOT = resolve(import.meta.dirname, '../..')
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
]
/** The project directory as transcripts show it. */
const SHOWN_DIR = '/srv/nemo'
const NOW = '2026-01-31T00:00:00Z'
/** A Hugging Face token for `printf %s "$HF_TOKEN" | hush set huggingface_token --stdin`; new every run. */
const HF_TOKEN = `hf_${randomBytes(48)
  .toString('base64')
  .replace(/[^A-Za-z0-9]/g, '')
  .slice(0, 34)}`

interface Block {
  lang: string
  attrs: Record<string, string>
  body: string
  line: number
}

interface Step {
  command: string
  expected: string[]
  line: number
}

function read(doc: string): string {
  return readFileSync(join(ROOT, doc), 'utf8')
}

/** The fenced code blocks of a markdown file, with their info strings. */
function blocks(text: string): Block[] {
  const out: Block[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*(.*)$/.exec(lines[i] ?? '')
    if (!open) continue
    const [, indent = '', lang = '', rest = ''] = open
    const attrs: Record<string, string> = {}
    for (const [, key = '', value = ''] of rest.matchAll(/(\w+)=(\S+)/g)) attrs[key] = value
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? ''); j++) {
      const line = lines[j] ?? ''
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line)
    }
    out.push({ lang, attrs, body: body.length ? `${body.join('\n')}\n` : '', line: i + 1 })
    i = j
  }
  return out
}

/** A console block as commands and the output each must print. */
function steps(block: Block): Step[] {
  const out: Step[] = []
  block.body
    .replace(/\n$/, '')
    .split('\n')
    .forEach((text, i) => {
      if (text.startsWith('$ ')) out.push({ command: text.slice(2), expected: [], line: block.line + 1 + i })
      else {
        const last = out[out.length - 1]
        if (!last) throw new Error(`line ${block.line + 1 + i}: output before the first $ line`)
        last.expected.push(text.trimEnd())
      }
    })
  return out
}

function lineMatches(pattern: string, actual: string): boolean {
  const re = pattern
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${re}$`).test(actual)
}

/** Whether the output matches the expected lines; a line `...` matches any number of lines. */
function matches(expected: readonly string[], actual: readonly string[]): boolean {
  const memo = new Map<string, boolean>()
  const go = (e: number, a: number): boolean => {
    const key = `${e},${a}`
    const known = memo.get(key)
    if (known !== undefined) return known
    let result: boolean
    if (e === expected.length) result = a === actual.length
    else if (expected[e] === '...') result = go(e + 1, a) || (a < actual.length && go(e, a + 1))
    else result = a < actual.length && lineMatches(expected[e] ?? '', actual[a] ?? '') && go(e + 1, a + 1)
    memo.set(key, result)
    return result
  }
  return go(0, 0)
}

/** A fresh project made from the README's file blocks, a git work tree; and a HOME and PATH for it. */
const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

function makeProject(): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'hush-docs-'))
  const home = mkdtempSync(join(tmpdir(), 'hush-docs-home-'))
  const bin = join(home, 'bin')
  mkdirSync(bin)
  writeFileSync(join(bin, 'hush'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`)
  chmodSync(join(bin, 'hush'), 0o755)
  const env = {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    HUSH_ACTOR: 'tester',
    HUSH_NOW: NOW,
    NO_COLOR: '1',
    LC_ALL: 'C.UTF-8',
    HF_TOKEN,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'tester',
    GIT_AUTHOR_EMAIL: 'tester@example.test',
    GIT_COMMITTER_NAME: 'tester',
    GIT_COMMITTER_EMAIL: 'tester@example.test',
  }
  execFileSync('git', ['init', '-q'], { cwd: dir, env })
  for (const block of blocks(read('README.md'))) if (block.attrs.file) writeFile(dir, block)
  made.push(dir, home)
  return { dir, env }
}

function writeFile(dir: string, block: Block): void {
  const path = resolve(dir, block.attrs.file ?? '')
  if (relative(dir, path).startsWith('..')) throw new Error(`line ${block.line}: file= outside the project`)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, block.body)
}

function sh(
  command: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-c', `exec 2>&1\n${command}`], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
    })
    child.stderr.on('data', (d) => {
      output += d
    })
    child.on('error', fail)
    child.on('close', (code) => done({ code, output }))
  })
}

/** Every value in the project's stores (files under docker/secrets and .secrets), 8 characters or more. */
function storedValues(dir: string): string[] {
  const values = new Set<string>([HF_TOKEN])
  const walk = (d: string) => {
    if (!existsSync(d)) return
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (name === '.hush') continue
      if (statSync(path).isDirectory()) walk(path)
      else {
        const value = readFileSync(path, 'utf8')
        if (value.length >= 8) values.add(value)
      }
    }
  }
  walk(join(dir, 'docker/secrets'))
  walk(join(dir, '.secrets'))
  return [...values]
}

const covered = new Set<string>()

for (const doc of DOCS) {
  const all = blocks(read(doc))
  if (!all.some((b) => b.lang === 'console')) continue

  describe(`${doc} transcripts`, () => {
    let project: { dir: string; env: Record<string, string> }
    beforeAll(() => {
      project = makeProject()
    })

    for (const block of all) {
      if (block.attrs.file && block.lang !== 'console') {
        it(`${doc}:${block.line} writes ${block.attrs.file}`, () => writeFile(project.dir, block))
        continue
      }
      if (block.lang !== 'console') continue
      for (const step of steps(block)) {
        for (const [, command = '', sub] of step.command.matchAll(
          /\bhush(?:\s+-\S+(?:\s+\w+)?)*\s+([a-z]+)(?:\s+([a-z][a-z-]+))?/g,
        )) {
          covered.add(command)
          if (sub) covered.add(`${command} ${sub}`)
        }
        it(`${doc}:${step.line} $ ${step.command}`, async () => {
          expect(step.command, 'a transcript never reveals a value').not.toMatch(/--reveal/)
          const { code, output } = await sh(step.command, project.dir, project.env)
          const real = realpathSync(project.dir)
          const actual = output
            .split(real)
            .join(SHOWN_DIR)
            .split(project.dir)
            .join(SHOWN_DIR)
            .replace(/\n+$/, '')
            .split('\n')
            .map((l) => l.trimEnd())
          const expected = [...step.expected]
          while (expected.length && expected[expected.length - 1] === '') expected.pop()
          const shown = { command: step.command, code, output: actual.join('\n') }
          if (!matches(expected, actual[0] === '' && actual.length === 1 ? [] : actual))
            expect(shown).toEqual({ ...shown, code: 0, output: expected.join('\n') })
          expect(shown.code, shown.output).toBe(0)
          for (const value of storedValues(project.dir)) {
            expect(output.includes(value), `${step.command} printed a secret value`).toBe(false)
          }
        })
      }
    }
  })
}

describe('docs', () => {
  it('the transcripts cover init, gen, set, get, status, check, run, export compose and scan', () => {
    for (const command of ['init', 'gen', 'set', 'get', 'status', 'check', 'run', 'export compose', 'scan']) {
      expect(covered, command).toContain(command)
    }
  })

  it("the README's manifest is valid: gen, check and status pass on it", async () => {
    const { dir, env } = makeProject()
    for (const command of ['hush status', 'hush gen', 'hush check', 'hush status --check']) {
      const r = await sh(command, dir, env)
      expect(r.code, `${command}\n${r.output}`).toBe(0)
    }
  })

  it('README.md is at most 10 KB', () => {
    expect(statSync(join(ROOT, 'README.md')).size).toBeLessThanOrEqual(10240)
  })

  it('every relative link points to an existing file and heading', () => {
    const broken: string[] = []
    for (const doc of DOCS) {
      const text = read(doc).replace(/```[\s\S]*?```/g, '')
      for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue
        const [path, anchor] = target.split('#')
        const file = path ? resolve(dirname(join(ROOT, doc)), path) : join(ROOT, doc)
        if (!file.startsWith(ROOT) || !existsSync(file)) broken.push(`${doc}: ${target}`)
        else if (anchor && !headings(file).includes(anchor))
          broken.push(`${doc}: ${target} (no such heading)`)
      }
    }
    expect(broken).toEqual([])
  })

  it('README links every file in docs/', () => {
    const readme = read('README.md')
    for (const doc of DOCS.slice(1)) expect(readme).toContain(`](${doc})`)
  })

  it('every command of hush --help is in the README table and in docs/commands.md', () => {
    const help = execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' })
    const names = [...(help.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z][a-z-]*)/gm)].map(
      (m) => m[1] ?? '',
    )
    expect(names).toContain('gen')
    const exportHelp = execFileSync(process.execPath, [CLI, 'export', '--help'], { encoding: 'utf8' })
    const formats = (/^\s+format\s+(.+)$/m.exec(exportHelp)?.[1] ?? '').split(/,\s*|\s+or\s+/)
    expect(formats).toContain('compose')
    const readme = read('README.md')
    const commands = read('docs/commands.md')
    for (const name of [...names.filter((n) => n !== 'help'), ...formats.map((f) => `export ${f}`)]) {
      expect(readme, name).toContain(`| \`hush ${name}`)
      expect(commands, name).toContain(`\`hush ${name}`)
    }
  })
})

/** GitHub's anchors for the headings of a markdown file. */
function headings(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^#+\s+(.+)$/gm)].map((m) =>
    (m[1] ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-'),
  )
}
