// The RR types a client commonly asks for; others are `TYPE<n>` (RFC 3597) both ways.
const NAMES: Record<string, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  HTTPS: 65,
  CAA: 257,
}
const NUMBERS = new Map(Object.entries(NAMES).map(([name, value]) => [value, name]))

/** `A` / `a` / `TYPE1` / 1 → 1; undefined for anything else. */
export function typeNumber(type: string | number): number | undefined {
  if (typeof type === 'number') return Number.isInteger(type) && type > 0 && type < 65536 ? type : undefined
  const upper = type.toUpperCase()
  const known = NAMES[upper]
  if (known !== undefined) return known
  const match = /^TYPE(\d{1,5})$/.exec(upper)
  return match ? typeNumber(Number(match[1])) : undefined
}

export function typeName(type: number): string {
  return NUMBERS.get(type) ?? `TYPE${type}`
}

export const SOA_TYPE = NAMES.SOA!
