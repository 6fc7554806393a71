// Kernel TCP counters from /proc/net/netstat (system-wide: every process on the machine counts).
import { readFileSync } from 'node:fs'

/** The `TcpExt:` counters of a /proc/net/netstat text, by name. */
export function parseTcpExt(text: string): Map<string, number> {
  const lines = text.split('\n').filter((line) => line.startsWith('TcpExt:'))
  const counters = new Map<string, number>()
  if (lines.length < 2) return counters
  const names = lines[0]!.split(/\s+/).slice(1)
  const values = lines[1]!.split(/\s+/).slice(1)
  names.forEach((name, i) => counters.set(name, Number(values[i])))
  return counters
}

/** Connections dropped because a listen queue was full, and SYNs sent again, so far (NaN off Linux). */
export function listenDrops(): { overflows: number; synRetrans: number } {
  try {
    const counters = parseTcpExt(readFileSync('/proc/net/netstat', 'utf8'))
    return {
      overflows: counters.get('ListenOverflows') ?? Number.NaN,
      synRetrans: counters.get('TCPSynRetrans') ?? Number.NaN,
    }
  } catch {
    return { overflows: Number.NaN, synRetrans: Number.NaN }
  }
}
