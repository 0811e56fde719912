/**
 * Inputs that make a backtracking regular expression run for ever: the scan rules must stay linear on
 * them. Shared by the unit test (which checks the findings) and bench/scan-hostile.mjs (which times them).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

const MB = 1024 * 1024
const ROOT = resolve(import.meta.dirname, '../..')

export const HOSTILE_INPUTS: readonly (readonly [name: string, make: () => Buffer])[] = [
  [
    'minified JavaScript',
    () => readFileSync(resolve(ROOT, 'node_modules/typescript/lib/typescript.js')).subarray(0, 4 * MB),
  ],
  ['a lock file', () => readFileSync(resolve(ROOT, 'package-lock.json'))],
  ['one long base64 run', () => Buffer.from(randomBytes(3 * MB).toString('base64'))],
  ['a JWT-prefix storm', () => Buffer.from('eyJ-'.repeat(MB / 4))],
  ['an assignment storm', () => Buffer.from('password=password='.repeat(MB / 18))],
  ['a URL storm', () => Buffer.from('a://a:b'.repeat(MB / 7))],
  ['a key-prefix storm', () => Buffer.from('sk-proj-AKIAghp_xoxb-'.repeat(MB / 22))],
]
