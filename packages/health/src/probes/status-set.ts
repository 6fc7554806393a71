import { InvalidArgumentError } from '@nines/core'

/** Whether a response status is one the check expects. */
export type StatusMatcher = (status: number) => boolean

/**
 * Parses a status set such as `200-399` or `200,204,300-302` once, when a probe is created. Throws
 * InvalidArgumentError for a set that can never match (bad syntax, a reversed range, codes outside 100..599).
 */
export function parseStatusSet(spec: string): StatusMatcher {
  const ranges = spec.split(',').map((part) => parseRange(part.trim(), spec))
  return (status) => ranges.some(([low, high]) => status >= low && status <= high)
}

function parseRange(part: string, spec: string): readonly [number, number] {
  const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(part)
  if (match === null) {
    throw new InvalidArgumentError(
      `expectStatus: expected a status set such as 200-399 or 200,204, got '${spec}'`,
    )
  }
  const low = Number(match[1])
  const high = match[2] === undefined ? low : Number(match[2])
  if (low < 100 || high > 599 || low > high) {
    throw new InvalidArgumentError(`expectStatus: '${part}' is not a range of statuses within 100-599`)
  }
  return [low, high]
}
