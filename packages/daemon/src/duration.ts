import { InvalidArgumentError } from '@nines/core'

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `1500` (ms), `1500ms`, `45s`, `30m`, `2h`, `1d` → milliseconds; anything else is refused by name. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim())
  const ms = match ? Math.round(Number(match[1]) * units[match[2] ?? 'ms']!) : NaN
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new InvalidArgumentError(
      `expected a duration such as 30m, 2h, 45s or 1500 (milliseconds), got ${JSON.stringify(text)}`,
    )
  }
  return ms
}
