/** A baseline: the ids (hashes) of accepted findings, so that only new ones fail. It holds no secret text. */

import { displayPath } from '../../lib/display.js'
import { HushError } from '../../lib/errors.js'
import { readIfExists, writeFileAtomic } from '../../lib/fs-safe.js'
import type { ScanFinding } from './scan.js'

export async function readBaseline(file: string): Promise<Set<string>> {
  const text = await readIfExists(file)
  if (text === undefined) return new Set()
  try {
    const doc = JSON.parse(text) as { ids?: unknown }
    if (!Array.isArray(doc.ids)) throw new Error('no ids')
    return new Set(doc.ids.map(String))
  } catch {
    throw new HushError('HUSH_E_INPUT', `${displayPath(file)} is not a hush scan baseline`, {
      hint: 'write one with hush scan --baseline FILE --update-baseline',
    })
  }
}

export async function writeBaseline(file: string, findings: readonly ScanFinding[]): Promise<void> {
  const ids = [...new Set(findings.map((f) => f.id))].sort()
  // committed beside the code: readable like any source file
  await writeFileAtomic(file, `${JSON.stringify({ version: 1, tool: 'hush scan', ids }, null, 2)}\n`, {
    mode: 0o644,
  })
}
