import { isWithin, ownerFqdn, parentName, zoneOf } from './names.js'
import type { DnsZone, DnsZones } from './schema.js'

/** A problem the schema alone cannot see; `path` is relative to the DNS zones object. */
export interface ZoneProblem {
  readonly path: (string | number)[]
  readonly message: string
}

/** Something that occupies an owner name, described for messages. */
interface Occupant {
  readonly what: string
  readonly type: string
  readonly path: (string | number)[]
}

/**
 * Cross-checks parsed DNS zones against each other and against the configured pools: unknown
 * pools, a static record that a dynamic name also answers, a CNAME beside other data (RFC 1034
 * §3.6.2), an NS name that is a CNAME (RFC 2181 §10.3), an in-zone NS without glue, owners outside
 * their DNS zone (or inside a nested DNS zone that is served too), two dynamic names for one owner,
 * and data that a delegation hides: at a name with NS records below the apex only those NS records,
 * and below it only glue addresses (the delegated servers answer the rest); NS at a wildcard.
 * Meant for the daemon's superRefine: prefix each path with where the zones sit in the file.
 */
export function checkZoneReferences(zones: DnsZones, poolNames: ReadonlySet<string>): ZoneProblem[] {
  const origins = new Set(Object.keys(zones))
  const problems: ZoneProblem[] = []
  for (const [origin, zone] of Object.entries(zones)) {
    problems.push(...checkZone(origin, zone, origins, poolNames))
  }
  return problems
}

function checkZone(
  origin: string,
  zone: DnsZone,
  origins: ReadonlySet<string>,
  poolNames: ReadonlySet<string>,
): ZoneProblem[] {
  const problems: ZoneProblem[] = []
  const occupants = new Map<string, Occupant[]>()
  const occupy = (name: string, occupant: Occupant) => {
    const list = occupants.get(name)
    if (list) list.push(occupant)
    else occupants.set(name, [occupant])
  }
  // The owner's absolute name, or undefined (with a problem) when it does not belong to this zone.
  const place = (owner: string, path: (string | number)[]): string | undefined => {
    const name = ownerFqdn(owner, origin)
    if (!isWithin(name, origin)) {
      problems.push({ path, message: `"${owner}" is outside the DNS zone ${origin}` })
      return undefined
    }
    if (name.length > 253) {
      problems.push({ path, message: `${name} is longer than 253 characters` })
      return undefined
    }
    const inner = zoneOf(name, origins)
    if (inner !== origin) {
      problems.push({
        path,
        message: `${name} belongs to the DNS zone ${inner}, which is served too: define it there`,
      })
      return undefined
    }
    return name
  }

  occupy(origin, { what: 'the apex SOA and NS', type: 'SOA', path: ['soa'] })
  zone.ns.forEach((ns, i) => {
    if (ns.addresses.length > 0 && isWithin(ns.name, origin)) {
      occupy(ns.name, { what: `the glue of ns[${i}]`, type: 'A', path: ['ns', i, 'addresses'] })
    }
  })
  zone.records.forEach((record, i) => {
    const name = place(record.name, [origin, 'records', i, 'name'])
    if (name?.startsWith('*.') && record.type === 'NS') {
      problems.push({
        path: [origin, 'records', i, 'type'],
        message: `NS at the wildcard ${name}: a wildcard cannot delegate (RFC 4592 §4.2); name the delegated zone`,
      })
    }
    if (name !== undefined)
      occupy(name, { what: `records[${i}] ${record.type}`, type: record.type, path: ['records', i] })
  })

  const dynamicAt = new Map<string, string>()
  // Owners of SRV answers from a pool at `_service._proto.<name>`, and which setting puts them there.
  const serviceAt = new Map<string, string>()
  const pools = [...poolNames].sort().join(', ') || 'none'
  for (const [key, dynamic] of Object.entries(zone.names)) {
    if (!poolNames.has(dynamic.pool)) {
      problems.push({
        path: [origin, 'names', key, 'pool'],
        message: `unknown pool "${dynamic.pool}" (pools: ${pools})`,
      })
    }
    const name = place(key, [origin, 'names', key])
    if (name === undefined) continue
    const first = dynamicAt.get(name)
    if (first !== undefined) {
      problems.push({ path: [origin, 'names', key], message: `${name} is also names.${first}` })
      continue
    }
    dynamicAt.set(name, key)
    const types = dynamic.srv.enabled ? ['A', 'AAAA', 'SRV'] : ['A', 'AAAA']
    for (const type of types) occupy(name, { what: `names.${key}`, type, path: ['names', key] })
    dynamic.srv.services.forEach((service, i) => {
      const path = ['names', key, 'srv', 'services', i]
      const at = `${service}.${name}`
      if (at.length > 253) {
        problems.push({ path: [origin, ...path], message: `${at} is longer than 253 characters` })
        return
      }
      serviceAt.set(at, `names.${key}.srv.services[${i}]`)
      occupy(at, { what: `names.${key}.srv.services[${i}]`, type: 'SRV', path })
    })
  }
  for (const [at, what] of serviceAt) {
    const dynamic = dynamicAt.get(at)
    if (dynamic !== undefined) {
      problems.push({
        path: [origin, 'names', dynamic],
        message: `${at} is also the SRV service of ${what}`,
      })
    }
  }

  for (const [name, list] of occupants) {
    const dynamic = dynamicAt.get(name)
    for (const occupant of list) {
      const [section, index] = occupant.path
      if (section !== 'records') continue
      const service = serviceAt.get(name)
      if (service !== undefined && occupant.type === 'SRV') {
        problems.push({
          path: [origin, 'records', index!, 'type'],
          message: `SRV at ${name} is also answered from a pool by ${service}`,
        })
      }
      if (dynamic !== undefined && ['A', 'AAAA', 'SRV'].includes(occupant.type)) {
        const srvOff = occupant.type === 'SRV' && !zone.names[dynamic]?.srv.enabled
        if (!srvOff) {
          problems.push({
            path: [origin, 'records', index!, 'type'],
            message: `${occupant.type} at ${name} is also answered from a pool by names.${dynamic}`,
          })
        }
      }
      if (occupant.type !== 'CNAME') continue
      const others = [...new Set(list.filter((o) => o !== occupant).map((o) => o.what))]
      if (others.length > 0) {
        problems.push({
          path: [origin, 'records', index!, 'name'],
          message: `CNAME at ${name} beside other data (${others.join(', ')}): a CNAME must be alone at its name (RFC 1034 §3.6.2)`,
        })
      }
    }
  }

  problems.push(...occludedData(origin, occupants))

  zone.ns.forEach((ns, i) => {
    const at = occupants.get(ns.name) ?? []
    const alias = at.find((o) => o.type === 'CNAME')
    if (alias) {
      problems.push({
        path: [origin, 'ns', i, 'name'],
        message: `${ns.name} is a CNAME (${alias.what}): an NS name must have addresses of its own (RFC 2181 §10.3)`,
      })
    } else if (
      isWithin(ns.name, origin) &&
      zoneOf(ns.name, origins) === origin &&
      !at.some((o) => (o.type === 'A' || o.type === 'AAAA') && o.path[0] !== 'names')
    ) {
      problems.push({
        path: [origin, 'ns', i, 'addresses'],
        message: `expected glue addresses: ${ns.name} is inside the DNS zone ${origin}`,
      })
    }
  })
  return problems
}

/** Data at or below a zone cut that would never be answered, since the cut's servers answer there. */
function occludedData(origin: string, occupants: ReadonlyMap<string, readonly Occupant[]>): ZoneProblem[] {
  const isCut = (name: string) =>
    name !== origin && (occupants.get(name) ?? []).some((o) => o.type === 'NS' && o.path[0] === 'records')
  const problems: ZoneProblem[] = []
  for (const [name, list] of occupants) {
    let cut: string | undefined
    for (let at: string | null = name; at !== null && at !== origin; at = parentName(at)) {
      if (isCut(at)) cut = at
    }
    if (cut === undefined) continue
    const allowed = cut === name ? ['NS'] : ['A', 'AAAA']
    const reported = new Set<string>()
    for (const occupant of list) {
      if (allowed.includes(occupant.type) && occupant.path[0] !== 'names') continue
      // A dynamic name occupies A, AAAA and SRV: one problem for it.
      if (reported.has(occupant.what)) continue
      reported.add(occupant.what)
      const thing = occupant.path[0] === 'names' ? 'a dynamic name' : occupant.type
      problems.push({
        path: [origin, ...occupant.path],
        message:
          `${thing} at ${name}: ${cut} is delegated by its NS records, so its own servers answer ` +
          `there; only ${cut === name ? 'the NS records' : 'glue addresses (A, AAAA)'} can be here`,
      })
    }
  }
  return problems
}
