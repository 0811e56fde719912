/** `hush set` on a real terminal (a pty made by script(1)): the value is read hidden, never echoed. */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLI, tmpProject, userConfig } from '../helpers/project.js'

const haveScript = spawnSync('script', ['--version']).status === 0

describe('hush set on a terminal', () => {
  it('prompts without echoing the value', async () => {
    if (!haveScript) {
      if (process.env.CI) throw new Error('script(1) (util-linux) is required under CI=true')
      console.warn('skipped: script(1) is not installed, so no pty can be made')
      return
    }
    const dir = tmpProject('version: 1\nproject: t\nsecrets:\n  api_key: { provide: true }\n')
    const value = 'tok-CANARY-4f9a8b7c6d5e'
    const child = spawn('script', ['-qc', `${process.execPath} ${CLI} set api_key`, '/dev/null'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        XDG_CONFIG_HOME: userConfig(),
        NO_COLOR: '1',
        HUSH_ACTOR: 'tester',
        TERM: 'dumb',
      },
    })
    let screen = ''
    let typed = false
    child.stdout.on('data', (d) => {
      screen += d
      if (!typed && screen.includes('input hidden')) {
        typed = true
        child.stdin.write(`${value}\r`)
      }
    })
    const code = await new Promise((done) => child.on('close', done))
    expect(code).toBe(0)
    expect(screen).toContain('set api_key in development')
    expect(screen).not.toContain(value)
    expect(readFileSync(join(dir, '.secrets', 'development', 'api_key'), 'utf8')).toBe(value)
  })
})
