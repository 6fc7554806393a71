// The committed file on ports of its own: every port number moved to a fresh one (the same new number
// wherever the old one was used), stateDirs and certificates moved under the run's directory.
import { join } from 'node:path'
import type { PortUse, Protocol } from './ports.js'

/** `127.0.0.1:8080`, `[::1]:53`. */
const hostPort = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Calls `visit` on every string and every object of `value`, depth first, with its key path. */
function walk(value: unknown, path: string[], visit: (value: unknown, path: string[]) => unknown): unknown {
  const replaced = visit(value, path)
  if (replaced !== undefined) return replaced
  if (Array.isArray(value)) value.forEach((v, i) => (value[i] = walk(v, [...path, `${i}`], visit)))
  else if (isObject(value))
    for (const [k, v] of Object.entries(value)) value[k] = walk(v, [...path, k], visit)
  return value
}

const stripBrackets = (address: string) => address.replace(/^\[|\]$/g, '')

/** Every port number of the config, where it is bound and over which protocols. */
export function portUses(config: unknown): PortUse[] {
  const uses = new Map<number, { port: number; addresses: Set<string>; protocols: Set<Protocol> }>()
  const add = (address: string, port: number, protocols: Protocol[]) => {
    const use = uses.get(port) ?? { port, addresses: new Set(), protocols: new Set() }
    use.addresses.add(stripBrackets(address))
    for (const p of protocols) use.protocols.add(p)
    uses.set(port, use)
  }
  walk(config, [], (value, path) => {
    if (typeof value === 'string') {
      const m = hostPort.exec(value)
      // instances.<name>.dns.listen[i]: the nameserver's UDP and TCP
      const dnsListen = path[0] === 'instances' && path[2] === 'dns' && path[3] === 'listen'
      if (m) add(m[1]!, Number(m[2]), dnsListen ? ['tcp', 'udp'] : ['tcp'])
    } else if (isObject(value) && typeof value.address === 'string' && typeof value.port === 'number') {
      add(value.address, value.port, ['tcp'])
    }
    return undefined
  })
  return [...uses.values()]
}

/** Rewrites every port of `config` in place through `mapping` (ports it lacks stay). */
export function applyPorts(config: unknown, mapping: ReadonlyMap<number, number>): void {
  walk(config, [], (value) => {
    if (typeof value === 'string') {
      const m = hostPort.exec(value)
      if (m && mapping.has(Number(m[2]))) return `${m[1]}:${mapping.get(Number(m[2]))}`
    } else if (isObject(value) && typeof value.address === 'string' && typeof value.port === 'number') {
      value.port = mapping.get(value.port) ?? value.port
    }
    return undefined
  })
}

/** Each instance's stateDir becomes `<dir>/state/<instance>`. */
export function applyStateDirs(config: Json, dir: string): void {
  for (const [name, instance] of Object.entries((config.instances ?? {}) as Record<string, Json>)) {
    instance.stateDir = join(dir, 'state', name)
  }
}

/** `host:port` split; brackets of IPv6 removed. */
export function splitHostPort(text: string): { address: string; port: number } {
  const m = hostPort.exec(text)
  if (!m) throw new Error(`expected address:port, got ${text}`)
  return { address: stripBrackets(m[1]!), port: Number(m[2]) }
}
