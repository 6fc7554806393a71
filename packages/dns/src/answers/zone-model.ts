import { isIPv4 } from 'node:net'
import type { PoolConfig } from '@nines/health'
import type { WireRecord, WireRecordType } from '@nines/wire'
import { isWithin, ownerFqdn, parentName, zoneOf } from '../zone/names.js'
import type { DnsZone, DnsZones, DynamicName, StaticRecord } from '../zone/schema.js'
import { zoneSerial } from '../zone/serial.js'
import { srvTargets } from './srv-targets.js'

export interface ZoneModel {
  readonly origin: string
  /** The SOA as answered to an SOA query. */
  readonly soa: WireRecord
  /** The SOA in negative answers: TTL min(minimumSec, ttlSec) (RFC 2308 §5). */
  readonly negativeSoa: WireRecord
}

/** One owner name that exists in a DNS zone (possibly an empty non-terminal). */
export interface NodeModel {
  readonly name: string
  readonly zone: ZoneModel
  /** Static RRsets in the order first seen; each set's TTL is its lowest (RFC 2181 §5.2). */
  readonly rrsets: Map<WireRecordType, WireRecord[]>
  dynamic?: { readonly key: string; readonly config: DynamicName }
  /** A `_service._proto` owner (srv.services) of this dynamic name: it answers the name's SRV as its own. */
  srvOf?: NodeModel
  /**
   * The delegation point at or above this name, below the apex: the highest node with NS records of
   * its own. Such a name is answered by the servers it is delegated to; we only refer to them.
   */
  cut?: NodeModel
}

export interface ZoneNodes {
  readonly zones: ReadonlyMap<string, ZoneModel>
  readonly nodes: ReadonlyMap<string, NodeModel>
}

/**
 * Every owner name of every DNS zone with its static data (the SOA serial: `soa.serial`, else
 * `serial`, else zoneSerial of the DNS zone's content): SOA and NS at the apex, glue at in-zone
 * NS names, the configured records, the addresses of SRV targets that answers synthesize (unless the
 * name has addresses of its own), and empty non-terminals. Assumes checkZoneReferences found nothing.
 */
export function zoneNodes(
  zones: DnsZones,
  pools: Readonly<Record<string, PoolConfig>>,
  serial: number | undefined,
): ZoneNodes {
  const origins = new Set(Object.keys(zones))
  const zoneModels = new Map<string, ZoneModel>()
  const nodes = new Map<string, NodeModel>()
  const nodeAt = (name: string, zone: ZoneModel): NodeModel => {
    let node = nodes.get(name)
    if (node === undefined) {
      node = { name, zone, rrsets: new Map() }
      nodes.set(name, node)
    }
    return node
  }

  for (const [origin, config] of Object.entries(zones)) {
    const zone = zoneModel(origin, config, serial ?? zoneSerial(origin, config, pools))
    zoneModels.set(origin, zone)
    const apex = nodeAt(origin, zone)
    add(apex, zone.soa)
    for (const ns of config.ns) add(apex, { name: origin, type: 'NS', ttlSec: config.ttlSec, data: ns.name })
    for (const ns of config.ns) {
      if (zoneOf(ns.name, origins) !== origin) continue
      for (const address of ns.addresses)
        add(nodeAt(ns.name, zone), addressRecord(ns.name, address, config.ttlSec))
    }
    for (const record of config.records) {
      const name = ownerFqdn(record.name, origin)
      add(nodeAt(name, zone), toWire(record, name, config.ttlSec))
    }
    for (const [key, dynamic] of Object.entries(config.names)) {
      const node = nodeAt(ownerFqdn(key, origin), zone)
      node.dynamic = { key, config: dynamic }
      for (const service of dynamic.srv.services) nodeAt(`${service}.${node.name}`, zone).srvOf = node
    }
  }

  // SRV targets answers point at: served with the endpoint's address, so the additional section is backed.
  const synthesized = new Map<string, { zone: ZoneModel; records: WireRecord[] }>()
  for (const node of [...nodes.values()]) {
    const dynamic = node.dynamic
    const pool = dynamic && pools[dynamic.config.pool]
    if (dynamic === undefined || pool === undefined || !answersSrv(dynamic.config)) continue
    srvTargets(node.name, pool.endpoints).forEach((target, i) => {
      if (zoneOf(target, origins) !== node.zone.origin) return
      const endpoint = pool.endpoints[i]!
      const entry = synthesized.get(target) ?? { zone: node.zone, records: [] }
      entry.records.push(addressRecord(target, endpoint.address, dynamic.config.policy.ttl.normalSec))
      synthesized.set(target, entry)
    })
  }
  for (const [target, { zone, records }] of synthesized) {
    const existing = nodes.get(target)
    if (
      existing &&
      (existing.dynamic || (['CNAME', 'A', 'AAAA'] as const).some((t) => existing.rrsets.has(t)))
    )
      continue
    const node = nodeAt(target, zone)
    for (const record of records) add(node, record)
  }

  for (const node of [...nodes.values()]) {
    for (
      let name = parentName(node.name);
      name !== null && name !== node.zone.origin && isWithin(name, node.zone.origin);
      name = parentName(name)
    ) {
      if (nodes.has(name)) break
      nodeAt(name, node.zone)
    }
  }
  for (const node of nodes.values()) {
    for (
      let name: string | null = node.name;
      name !== null && name !== node.zone.origin;
      name = parentName(name)
    ) {
      const at = nodes.get(name)
      if (at?.rrsets.has('NS')) node.cut = at
    }
    for (const [type, rrset] of node.rrsets) {
      const ttlSec = Math.min(...rrset.map((r) => r.ttlSec))
      node.rrsets.set(type, rrset.map((r) => (r.ttlSec === ttlSec ? r : { ...r, ttlSec })) as WireRecord[])
    }
  }
  return { zones: zoneModels, nodes }
}

function zoneModel(origin: string, config: DnsZone, serial: number): ZoneModel {
  const soa = config.soa
  const data = {
    mname: soa.mname ?? config.ns[0]!.name,
    rname: soa.rname ?? `hostmaster.${origin}`,
    serial: soa.serial ?? serial,
    refresh: soa.refreshSec,
    retry: soa.retrySec,
    expire: soa.expireSec,
    minimum: soa.minimumSec,
  }
  return {
    origin,
    soa: { name: origin, type: 'SOA', ttlSec: soa.ttlSec, data },
    negativeSoa: { name: origin, type: 'SOA', ttlSec: Math.min(soa.minimumSec, soa.ttlSec), data },
  }
}

/**
 * The `*` child whose records answer the missing names below `encloser` (RFC 4592), unless a
 * delegation answers there.
 */
export function wildcardOf(
  encloser: NodeModel,
  nodes: ReadonlyMap<string, NodeModel>,
): NodeModel | undefined {
  const wildcard = nodes.get(`*.${encloser.name}`)
  return encloser.cut === undefined && wildcard?.zone === encloser.zone ? wildcard : undefined
}

/** Whether a dynamic name has SRV answers anywhere: at itself or at a `_service._proto` below it. */
export function answersSrv(config: DynamicName): boolean {
  return config.srv.enabled || config.srv.services.length > 0
}

export function addressRecord(name: string, address: string, ttlSec: number): WireRecord {
  return { name, type: isIPv4(address) ? 'A' : 'AAAA', ttlSec, data: address }
}

function toWire(record: StaticRecord, name: string, defaultTtlSec: number): WireRecord {
  const ttlSec = record.ttlSec ?? defaultTtlSec
  switch (record.type) {
    case 'TXT':
      return {
        name,
        type: 'TXT',
        ttlSec,
        data: typeof record.data === 'string' ? [record.data] : record.data,
      }
    case 'MX':
    case 'SRV':
    case 'CAA':
      return { name, type: record.type, ttlSec, data: { ...record.data } } as WireRecord
    default:
      return { name, type: record.type, ttlSec, data: record.data }
  }
}

/** Adds a record to its RRset unless the same data is there already. */
function add(node: NodeModel, record: WireRecord): void {
  const rrset = node.rrsets.get(record.type)
  if (rrset === undefined) {
    node.rrsets.set(record.type, [record])
    return
  }
  const data = JSON.stringify(record.data)
  if (!rrset.some((r) => JSON.stringify(r.data) === data)) rrset.push(record)
}
