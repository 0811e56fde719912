/** Find, parse and validate hush.yaml: zod schema → normalize → rules. */
import { promises as fs } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import type { z } from 'zod'
import { type ErrorItem, HushError, ioError } from '../../lib/errors.js'
import { findManifest, MANIFEST_FILE } from '../../lib/manifest-path.js'
import { normalizeManifest, type Problems } from './normalize.js'
import { applyRules } from './rules.js'
import { manifestSchema } from './schema.js'
import type { Manifest } from './types.js'

export { findManifest, MANIFEST_FILE }

/** The error of a directory with no hush.yaml above it. */
export function manifestNotFound(cwd: string): HushError {
  return new HushError(
    'HUSH_E_MANIFEST_NOT_FOUND',
    `no ${MANIFEST_FILE} in ${resolve(cwd)} or any parent directory`,
    {
      hint: 'run `hush init` to create one, or pass -C DIR',
    },
  )
}

type Issue = z.core.$ZodIssue

/** `secrets.jwt_secret.rotate`; a key that is not a plain name is quoted: `secrets["../etc"]`. */
function dottedPath(path: readonly PropertyKey[]): string {
  const text = path
    .map((p) =>
      typeof p === 'number' || /^[A-Za-z0-9_$-]+$/.test(String(p))
        ? `.${String(p)}`
        : `[${JSON.stringify(String(p))}]`,
    )
    .join('')
  return text.replace(/^\./, '') || '(top level)'
}

/** Flatten zod issues into `dotted.path: message` lines; for unions, report the branch that got furthest. */
function formatIssues(issues: readonly Issue[], prefix: PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path]
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branches = issue.errors.filter((b) => b.length > 0)
      const best = branches.reduce((a, b) =>
        Math.max(...b.map((i) => i.path.length)) > Math.max(...a.map((i) => i.path.length)) ? b : a,
      )
      const deepest = Math.max(...best.map((i) => i.path.length))
      if (deepest > 0 || branches.length === 1) return formatIssues(best, path)
    }
    const where = dottedPath(path)
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
        : issue.code === 'invalid_key'
          ? (issue.issues[0]?.message ?? issue.message)
          : issue.message
    return [`${where}: ${message}`]
  })
}

/**
 * Duplicate keys, found in one pass: the yaml package's own uniqueKeys check
 * compares every pair of keys, which costs seconds on a 10,000-secret manifest.
 */
function duplicateKeys(doc: Document, lines: LineCounter): ErrorItem[] {
  const found: ErrorItem[] = []
  const walk = (node: Node | null | undefined, path: string) => {
    if (isMap(node)) {
      const seen = new Set<unknown>()
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key
        const at = path ? `${path}.${String(key)}` : String(key)
        if (seen.has(key)) {
          const line = isScalar(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]).line : '?'
          found.push({ path: `line ${line}`, message: `${at} is defined twice` })
        }
        seen.add(key)
        walk(pair.value as Node, at)
      }
    } else if (isSeq(node)) for (const [i, item] of node.items.entries()) walk(item as Node, `${path}.${i}`)
  }
  walk(doc.contents, '')
  return found
}

/** Validate manifest text; throws one HushError listing every problem. */
export function parseManifest(text: string, file: string): Manifest {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false, lineCounter })
  const duplicates = doc.errors.length === 0 ? duplicateKeys(doc, lineCounter) : []
  if (duplicates.length > 0)
    throw new HushError('HUSH_E_MANIFEST_INVALID', `${file} defines a key twice`, {
      hint: 'YAML keeps only one of them; remove or rename the other',
      items: duplicates,
    })
  if (doc.errors.length > 0)
    throw new HushError('HUSH_E_MANIFEST_INVALID', `${file} is not valid YAML`, {
      hint: 'fix the YAML syntax at the line shown',
      items: doc.errors.map((e) => ({
        path: `line ${e.linePos?.[0].line ?? '?'}`,
        message: e.message.split('\n')[0]!,
      })),
    })
  const raw = doc.toJS() ?? {}
  // zod records drop a "__proto__" key silently; refuse it instead of losing a secret
  for (const section of ['secrets', 'services', 'environments', 'rotators'])
    if (raw && typeof raw[section] === 'object' && raw[section] && Object.hasOwn(raw[section], '__proto__'))
      throw new HushError('HUSH_E_MANIFEST_INVALID', `${file} has 1 problem(s)`, {
        hint: 'rename it',
        items: [{ path: `${section}.__proto__`, message: 'this name is reserved' }],
      })
  const parsed = manifestSchema.safeParse(raw)
  const fail = (lines: string[]): never => {
    throw new HushError('HUSH_E_MANIFEST_INVALID', `${file} has ${lines.length} problem(s)`, {
      hint: 'see the schema in schema/hush.schema.json or the manifest reference in the README',
      items: lines.map((line) => {
        const cut = line.indexOf(': ')
        return { path: line.slice(0, cut), message: line.slice(cut + 2) }
      }),
    })
  }
  if (!parsed.success) return fail(formatIssues(parsed.error.issues))
  const problems: Problems = { errors: [], warnings: [] }
  const manifest = applyRules(normalizeManifest(parsed.data, file, dirname(file), problems), problems)
  if (problems.errors.length > 0) return fail(problems.errors)
  return manifest
}

/** Load the manifest for `cwd` (walking up), or the one in `dir` when given. */
export async function loadManifest(cwd: string): Promise<Manifest> {
  const file = findManifest(cwd)
  if (!file) throw manifestNotFound(cwd)
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (err) {
    throw ioError('read', file, err)
  }
  return parseManifest(text, file)
}
