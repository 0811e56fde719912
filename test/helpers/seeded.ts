/**
 * Reproducible randomness for tests: a small seeded PRNG and the run's seed, taken from HUSH_TEST_SEED
 * when set (to replay a failing run) and generated otherwise. Tests print the seed they used.
 */
import { randomInt } from 'node:crypto'

/** mulberry32: a 32-bit seed, uniform floats in [0, 1); the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** HUSH_TEST_SEED (an unsigned 32-bit integer) when set, else a fresh random seed. */
export function testSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.HUSH_TEST_SEED
  if (given === undefined || given === '') return randomInt(2 ** 32 - 1)
  const seed = Number(given)
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    throw new Error(`HUSH_TEST_SEED must be an integer from 0 to ${2 ** 32 - 1}, not "${given}"`)
  return seed
}
