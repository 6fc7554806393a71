import { InvalidArgumentError } from '@nines/core'
import { parseIPv4, parseIPv6 } from './address.js'
import { EdnsOptionCode, RRClass, RRType } from './constants.js'
import { encodeName } from './names.js'

export type QueryOptions = {
  id?: number
  name: string
  type?: number
  qclass?: number
  rd?: boolean
  cd?: boolean
  edns?: {
    udpPayloadSize?: number
    doBit?: boolean
    version?: number
    /** `203.0.113.0/24`, `2001:db8::/56`: the address is cut to the prefix. */
    ecs?: string
    cookie?: Buffer
    /** Ask for the server's NSID (RFC 5001). */
    nsid?: boolean
  }
}

/**
 * A query message as resolvers send it (one question, optional OPT with ECS and COOKIE), for
 * probes, tests and tools. Throws InvalidArgumentError for a bad name; an ECS that does not parse
 * throws too.
 */
export function encodeQuery(options: QueryOptions): Buffer {
  const name = encodeName(options.name)
  const header = Buffer.alloc(12)
  header.writeUInt16BE(options.id ?? 0, 0)
  header.writeUInt16BE((options.rd === false ? 0 : 0x0100) | (options.cd ? 0x0010 : 0), 2)
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(options.edns ? 1 : 0, 10)
  const question = Buffer.alloc(4)
  question.writeUInt16BE(options.type ?? RRType.A, 0)
  question.writeUInt16BE(options.qclass ?? RRClass.IN, 2)
  const parts = [header, name, question]
  const edns = options.edns
  if (edns) {
    const rdata: Buffer[] = []
    if (edns.ecs !== undefined) rdata.push(option(EdnsOptionCode.ECS, ecsData(edns.ecs)))
    if (edns.cookie !== undefined) rdata.push(option(EdnsOptionCode.COOKIE, edns.cookie))
    if (edns.nsid) rdata.push(option(EdnsOptionCode.NSID, Buffer.alloc(0)))
    const body = Buffer.concat(rdata)
    const opt = Buffer.alloc(11)
    opt.writeUInt16BE(RRType.OPT, 1)
    opt.writeUInt16BE(edns.udpPayloadSize ?? 1232, 3)
    opt[6] = edns.version ?? 0
    opt[7] = edns.doBit ? 0x80 : 0
    opt.writeUInt16BE(body.length, 9)
    parts.push(opt, body)
  }
  return Buffer.concat(parts)
}

function option(code: number, data: Buffer): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt16BE(code, 0)
  head.writeUInt16BE(data.length, 2)
  return Buffer.concat([head, data])
}

function ecsData(subnet: string): Buffer {
  const slash = subnet.lastIndexOf('/')
  const address = subnet.slice(0, slash)
  const v4 = parseIPv4(address)
  const bytes = v4 ?? parseIPv6(address)
  const prefix = Number(subnet.slice(slash + 1))
  if (slash < 0 || !bytes || !Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8) {
    throw new InvalidArgumentError(`edns.ecs: expected address/prefix, got ${JSON.stringify(subnet)}`)
  }
  const length = (prefix + 7) >> 3
  const data = Buffer.alloc(4 + length)
  data.writeUInt16BE(v4 ? 1 : 2, 0)
  data[2] = prefix
  bytes.copy(data, 4, 0, length)
  // Zero the bits past the prefix in the last byte (RFC 7871 §6).
  if (prefix & 7) data[3 + length] = data[3 + length]! & (0xff << (8 - (prefix & 7)))
  return data
}
