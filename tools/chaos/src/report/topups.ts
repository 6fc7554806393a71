import type { TopupFigures } from './report.js'

/** One read of an endpoint's books, `GET /__nines/topups` (tools/stacks/src/api.ts). */
export interface TopupBooks {
  readonly endpoint: string
  readonly applied: number
  readonly byRequest: Readonly<Record<string, number>>
}

/**
 * Adds up the books of every endpoint life (read before each kill and at the end: a restart starts empty
 * books) and counts request ids applied more than once, on one endpoint or across two.
 */
export function topupFigures(
  books: readonly TopupBooks[],
  clientOk: number,
  unread: readonly string[],
): TopupFigures {
  const times = new Map<string, number>()
  let applied = 0
  for (const b of books) {
    applied += b.applied
    for (const [id, n] of Object.entries(b.byRequest)) times.set(id, (times.get(id) ?? 0) + n)
  }
  const duplicatedIds = [...times].filter(([, n]) => n > 1).map(([id]) => id)
  return { applied, clientOk, duplicated: duplicatedIds.length, duplicatedIds, unread: [...new Set(unread)] }
}
