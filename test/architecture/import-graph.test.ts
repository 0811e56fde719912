/**
 * The layers of ARCHITECTURE.md over the real import graph of src/: cli → core → stores → lib, and
 * runtime → lib only. No import points up a layer and no import cycle exists anywhere, type-only
 * imports included (a type cycle is still two modules that cannot be understood apart).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../../src')

/** What each layer may import besides itself (runtime sits beside stores: it needs only lib). */
const ALLOWED: Record<string, readonly string[]> = {
  cli: ['core', 'stores', 'runtime', 'lib'],
  core: ['stores', 'runtime', 'lib'],
  stores: ['lib'],
  lib: [],
  runtime: ['lib'],
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  )
}

/** Relative imports of a file: static, type-only, re-exports and dynamic import(). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/g),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!)
  return specs
    .filter((s) => s.startsWith('.') && !s.endsWith('.json'))
    .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
}

const files = sources(SRC)
const graph = new Map(files.map((f) => [f, importsOf(f)]))
const rel = (f: string) => relative(SRC, f)
const layerOf = (f: string) => rel(f).split('/')[0]!

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(): string[][] {
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const on = new Set<string>()
  const out: string[][] = []
  const visit = (v: string) => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = []
      let w: string
      do {
        w = stack.pop()!
        on.delete(w)
        scc.push(rel(w))
      } while (w !== v)
      if (scc.length > 1 || graph.get(v)!.includes(v)) out.push(scc.sort())
    }
  }
  for (const f of files) if (!idx.has(f)) visit(f)
  return out
}

describe('the import graph of src/', () => {
  it('reads every module and resolves every relative import to a file of src/', () => {
    expect(files.length).toBeGreaterThan(100)
    const dangling = [...graph].flatMap(([f, deps]) =>
      deps.filter((d) => !graph.has(d)).map((d) => `${rel(f)} → ${relative(SRC, d)}`),
    )
    expect(dangling).toEqual([])
  })

  it('has no import from a lower layer to a higher one (cli → core → stores → lib; runtime → lib)', () => {
    const upward = [...graph].flatMap(([f, deps]) =>
      deps
        .filter((d) => layerOf(d) !== layerOf(f) && !ALLOWED[layerOf(f)]!.includes(layerOf(d)))
        .map((d) => `${rel(f)} → ${rel(d)}`),
    )
    expect(Object.keys(ALLOWED).sort()).toEqual([...new Set(files.map(layerOf))].sort())
    expect(upward).toEqual([])
  })

  it('has no import cycle, type-only imports included', () => {
    expect(cycles()).toEqual([])
  })
})
