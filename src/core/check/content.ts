/** Rules about a value itself: empty, placeholder, weak, pattern, whitespace. */
import { createPrivateKey } from 'node:crypto'
import { placeholderReason } from '../../lib/placeholder.js'
import { nominalBits } from '../generate/generators.js'
import type { GeneratorSpec, SecretSpec } from '../manifest/types.js'
import type { FindingCode } from './types.js'

export interface ContentProblem {
  readonly code: FindingCode
  readonly message: string
}

/** Bits of empirical (Shannon) entropy of a sequence of symbols, times its length. */
function measuredBits(symbols: ArrayLike<number | string>): number {
  const counts = new Map<number | string, number>()
  for (let i = 0; i < symbols.length; i++) counts.set(symbols[i]!, (counts.get(symbols[i]!) ?? 0) + 1)
  let perSymbol = 0
  for (const c of counts.values()) {
    const p = c / symbols.length
    perSymbol -= p * Math.log2(p)
  }
  return perSymbol * symbols.length
}

const DECODERS: Partial<Record<GeneratorSpec['kind'], { valid: RegExp; decode: (v: string) => Buffer }>> = {
  base64: { valid: /^[A-Za-z0-9+/]*={0,2}$/, decode: (v) => Buffer.from(v, 'base64') },
  base64url: { valid: /^[A-Za-z0-9_-]*={0,2}$/, decode: (v) => Buffer.from(v, 'base64url') },
  hex: { valid: /^([0-9a-fA-F]{2})*$/, decode: (v) => Buffer.from(v, 'hex') },
}

/** Why a value is weaker than its generator makes them, or undefined. */
export function weakness(gen: GeneratorSpec, value: string): string | undefined {
  if (gen.kind === 'ed25519' || gen.kind === 'rsa') {
    try {
      const key = createPrivateKey(value)
      if (key.asymmetricKeyType !== gen.kind)
        return `is a ${key.asymmetricKeyType ?? 'unknown'} key, not ${gen.kind}`
      const bits = key.asymmetricKeyDetails?.modulusLength
      if (gen.kind === 'rsa' && bits !== undefined && bits < gen.size)
        return `is a ${bits}-bit key, below ${gen.size}`
      return undefined
    } catch {
      return `is not a ${gen.kind} private key in PEM form`
    }
  }
  if (gen.kind === 'uuid')
    return /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(value)
      ? undefined
      : 'is not a random (v4) UUID'
  const decoder = DECODERS[gen.kind]
  let symbols: ArrayLike<number | string> = [...value]
  if (decoder) {
    if (!decoder.valid.test(value)) return `is not ${gen.kind} text`
    symbols = decoder.decode(value)
    if (symbols.length < gen.size)
      return `holds ${symbols.length} bytes; ${gen.kind}:${gen.size} needs ${gen.size}`
  } else if (value.length < gen.size)
    return `has ${value.length} characters; ${gen.kind}:${gen.size} needs ${gen.size}`
  // a random value of n symbols cannot show more than n·log2(min(n, alphabet)) bits; ask for 60% of that
  const alphabet = decoder ? 256 : [...gen.charset!].length
  const ceiling = Math.min(nominalBits(gen), symbols.length * Math.log2(Math.min(symbols.length, alphabet)))
  const bits = measuredBits(symbols)
  if (bits < 0.6 * ceiling)
    return `has about ${Math.round(bits)} bits of entropy; a random value has about ${Math.round(ceiling)}`
  return undefined
}

/** Content rules for one value of `spec` (the value is never put in a message). */
export function contentProblems(spec: SecretSpec, value: string): ContentProblem[] {
  if (value.length === 0) return [{ code: 'empty', message: `${spec.name} is empty` }]
  const problems: ContentProblem[] = []
  const placeholder = placeholderReason(value, spec.source === 'fixed')
  if (placeholder) problems.push({ code: 'placeholder', message: `${spec.name} ${placeholder}` })
  if (spec.source === 'generated' && !placeholder) {
    const weak = weakness(spec.generator, value)
    if (weak) problems.push({ code: 'weak', message: `${spec.name} ${weak}` })
  }
  if (spec.pattern && !spec.pattern.test(value))
    problems.push({
      code: 'pattern',
      message: `${spec.name} does not match the pattern /${spec.pattern.source}/`,
    })
  if (/^\s|\s$/.test(value))
    problems.push({ code: 'whitespace', message: `${spec.name} has leading or trailing whitespace` })
  return problems
}
