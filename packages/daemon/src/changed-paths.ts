import { isDeepStrictEqual } from 'node:util'

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The dotted paths below `prefix` whose values differ between `before` and `after`: the deepest object
 * keys that changed, an array counting as one value (`instances.ns1.dns.listen`), so a reload can say
 * key by key what it could not apply.
 */
export function changedPaths(before: unknown, after: unknown, prefix: string): string[] {
  if (isDeepStrictEqual(before, after)) return []
  if (!isRecord(before) || !isRecord(after)) return [prefix]
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  return [...keys].flatMap((key) => changedPaths(before[key], after[key], `${prefix}.${key}`))
}
