/**
 * Which certificate answers a TLS client, by the name it sent (SNI): an exact name first, then the
 * longest `*.` wildcard that covers it (at any depth, as route hosts match), else the default. Pure and
 * generic over what is stored, so the table is tested without TLS.
 */
export interface SniTable<T> {
  /** `servername` as the client sent it (any case, maybe a trailing dot); undefined = no SNI. */
  pick(servername: string | undefined): T
}

export interface SniEntry<T> {
  /** Lowercase exact names or `*.` wildcards; empty = the default entry. */
  readonly serverNames: readonly string[]
  readonly value: T
}

/** The default is the entry without serverNames, else the first entry (the schema allows at most one). */
export function buildSniTable<T>(entries: readonly SniEntry<T>[]): SniTable<T> {
  const first = entries[0]
  if (first === undefined) throw new RangeError('an SNI table needs at least one entry')
  const fallback = (entries.find((entry) => entry.serverNames.length === 0) ?? first).value
  const exact = new Map<string, T>()
  // Keyed by the suffix with its leading dot (`.nines.test`), so a lookup walks the name's dots.
  const wildcard = new Map<string, T>()
  for (const entry of entries) {
    for (const name of entry.serverNames) {
      if (name.startsWith('*.')) wildcard.set(name.slice(1), entry.value)
      else exact.set(name, entry.value)
    }
  }
  return {
    pick(servername) {
      if (servername === undefined || servername === '') return fallback
      const name = servername.toLowerCase().replace(/\.$/, '')
      const hit = exact.get(name)
      if (hit !== undefined) return hit
      // Leftmost dot first gives the longest suffix, so the most specific wildcard wins.
      for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
        const match = wildcard.get(name.slice(dot))
        if (match !== undefined) return match
      }
      return fallback
    },
  }
}
