/** Value generators: every byte comes from the OS CSPRNG (or an injected source in tests). */
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto'
import { type ByteSource, osRandom, randomString } from '../../lib/random.js'
import type { GeneratorSpec } from '../manifest/types.js'

/** A generated value; key pairs also carry their public half (stored as `<name>.pub`). */
export interface Generated {
  readonly value: string
  readonly publicKey?: string
}

/** The public half (SPKI PEM) of a private key in PEM form: what a key pair's `.pub` entry holds. */
export function publicPemOf(privatePem: string): string {
  return createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }).toString().trimEnd()
}

export function generate(spec: GeneratorSpec, source: ByteSource = osRandom): Generated {
  switch (spec.kind) {
    case 'base64':
      return { value: Buffer.from(source(spec.size)).toString('base64') }
    case 'base64url':
      return { value: Buffer.from(source(spec.size)).toString('base64url') }
    case 'hex':
      return { value: Buffer.from(source(spec.size)).toString('hex') }
    case 'password':
    case 'alnum':
      return { value: randomString(spec.charset!, spec.size, source) }
    case 'uuid':
      return { value: randomUUID() }
    case 'ed25519':
    case 'rsa': {
      const pair =
        spec.kind === 'ed25519'
          ? generateKeyPairSync('ed25519')
          : generateKeyPairSync('rsa', { modulusLength: spec.size })
      return {
        value: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trimEnd(),
        publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString().trimEnd(),
      }
    }
  }
}

/** Nominal entropy in bits of a generator's output, the bar `check` holds values to. */
export function nominalBits(spec: GeneratorSpec): number {
  switch (spec.kind) {
    case 'base64':
    case 'base64url':
    case 'hex':
      return spec.size * 8
    case 'password':
    case 'alnum':
      return spec.size * Math.log2([...spec.charset!].length)
    case 'uuid':
      return 122
    case 'ed25519':
    case 'rsa':
      return 0 // key material is checked by parsing it, not by counting characters
  }
}
