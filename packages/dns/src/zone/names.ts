const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i

/** Letters, digits, `-` and `_` in labels of at most 63 characters; no trailing dot. */
export function isHostName(name: string): boolean {
  return name.length <= 253 && name.split('.').every((part) => LABEL.test(part))
}

/**
 * The absolute name (lowercase, no trailing dot) of an owner name as written in a DNS zone whose
 * origin is `origin`: `@` is the origin, `www.` is absolute, `www` is relative.
 */
export function ownerFqdn(owner: string, origin: string): string {
  if (owner === '@') return origin
  if (owner.endsWith('.')) return owner.slice(0, -1).toLowerCase()
  return `${owner.toLowerCase()}.${origin}`
}

/** Whether `name` is `origin` or below it; both lowercase, without trailing dots. */
export function isWithin(name: string, origin: string): boolean {
  return name === origin || name.endsWith(`.${origin}`)
}

/** `a.b.nines.test` → `b.nines.test`; null for a single label. */
export function parentName(name: string): string | null {
  const dot = name.indexOf('.')
  return dot < 0 ? null : name.slice(dot + 1)
}

/**
 * The innermost of `origins` that contains `name`, or undefined. With nested DNS zones
 * (`nines.test` and `eu.nines.test`), a name belongs to the deepest one.
 */
export function zoneOf(name: string, origins: ReadonlySet<string>): string | undefined {
  for (let at: string | null = name; at !== null; at = parentName(at)) {
    if (origins.has(at)) return at
  }
  return undefined
}
