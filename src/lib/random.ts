/** Randomness from the OS CSPRNG, without modulo bias. */
import { randomBytes } from 'node:crypto'

/** A source of uniformly random bytes; injectable so tests can prove the sampler is unbiased. */
export type ByteSource = (size: number) => Uint8Array

export const osRandom: ByteSource = (size) => randomBytes(size)

/**
 * `length` characters drawn uniformly from `charset` (at most 256 characters).
 * Bytes at or above the largest multiple of the charset size are rejected, so
 * every character is exactly equally likely.
 */
export function randomString(charset: string, length: number, source: ByteSource = osRandom): string {
  const chars = [...charset]
  const n = chars.length
  if (n < 2 || n > 256) throw new TypeError('charset must have 2 to 256 characters')
  const limit = 256 - (256 % n) // bytes below limit map evenly onto n characters
  const out: string[] = []
  while (out.length < length) {
    const batch = source(Math.ceil((length - out.length) * 1.25) + 8)
    for (const byte of batch) {
      if (byte >= limit) continue
      out.push(chars[byte % n]!)
      if (out.length === length) break
    }
  }
  return out.join('')
}
