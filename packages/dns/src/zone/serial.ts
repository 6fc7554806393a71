import { createHash } from 'node:crypto'
import type { PoolConfig } from '@nines/health'
import type { DnsZone } from './schema.js'

/**
 * The SOA serial of a DNS zone that does not set `soa.serial`: a 32-bit hash of its parsed data
 * (origin, SOA timers, NS and glue, records, dynamic names) and of the pools its dynamic names answer
 * from. Pure: every instance given equal configuration serves the same serial, and it changes when
 * that DNS zone's data or one of its pools changes (a reload of anything else keeps it). It does not
 * grow (RFC 1982 order means nothing here: nines serves no zone transfers); monitoring compares it
 * across instances for equality. Never 0.
 */
export function zoneSerial(
  origin: string,
  zone: DnsZone,
  pools: Readonly<Record<string, PoolConfig>>,
): number {
  const used = [...new Set(Object.values(zone.names).map((name) => name.pool))].sort()
  const content = canonical({
    origin,
    zone: { ...zone, soa: { ...zone.soa, serial: undefined } },
    pools: used.map((name) => [name, pools[name] ?? null]),
  })
  const serial = createHash('sha256').update(content).digest().readUInt32BE(0)
  return serial === 0 ? 1 : serial
}

/** JSON with object keys sorted and undefined members left out, so equal data gives equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : canonical(item))).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
