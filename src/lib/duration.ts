/** A duration as hush.yaml writes it: a number and a unit (30d, 12h, 90s). */
export const DURATION_PATTERN = /^(\d+)(s|m|h|d|w|y)$/

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
}

/** Milliseconds of a duration like `30d`; the schema has already checked its shape. */
export function durationMs(text: string): number {
  const match = DURATION_PATTERN.exec(text)
  if (!match) throw new TypeError(`not a duration: ${text}`)
  return Number(match[1]) * UNIT_MS[match[2]!]!
}

/** A short human form of an age in milliseconds: `3d`, `5h`, `12m`, `40s`. */
export function formatAge(ms: number): string {
  const abs = Math.abs(ms)
  const [unit, size] =
    abs >= 86_400_000
      ? ['d', 86_400_000]
      : abs >= 3_600_000
        ? ['h', 3_600_000]
        : abs >= 60_000
          ? ['m', 60_000]
          : ['s', 1000]
  return `${Math.floor(ms / (size as number))}${unit}`
}
