// Node's UDP ceiling for the DNS bench: a bare `dgram` server that answers `svc.example.test A` from a
// prebuilt buffer, copying only the query ID and RD bit in (no parse, no lookup, no encode). It answers
// queries with EDNS (ECS) too, but without echoing an OPT record, so its answer stays 82 bytes.
// Run: node tools/bench/dist/dns/dgram-ceiling.js --port N [--address 127.0.0.1]
import { createSocket, type Socket } from 'node:dgram'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { queryName, targetAddresses, ttlSec } from './zone.js'

const headerBytes = 12
const flagQr = 0x80
const flagAa = 0x04
const flagRd = 0x01

/** Wire-format question: the name, QTYPE A, QCLASS IN. */
export function encodeQuestion(name: string): Buffer {
  const labels = name.split('.').filter(Boolean)
  const parts = labels.flatMap((label) => [Buffer.from([label.length]), Buffer.from(label, 'ascii')])
  return Buffer.concat([...parts, Buffer.from([0, 0, 1, 0, 1])])
}

/** The answer with ID 0 and RD clear: header, question, one A record per address (name compressed). */
export function buildAnswer(name: string, addresses: readonly string[], ttl: number): Buffer {
  const header = Buffer.alloc(headerBytes)
  header[2] = flagQr | flagAa
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(addresses.length, 6)
  const records = addresses.map((address) => {
    const record = Buffer.alloc(16)
    record.writeUInt16BE(0xc000 | headerBytes, 0) // pointer to the question name
    record.writeUInt16BE(1, 2) // A
    record.writeUInt16BE(1, 4) // IN
    record.writeUInt32BE(ttl, 6)
    record.writeUInt16BE(4, 10)
    address.split('.').forEach((octet, i) => (record[12 + i] = Number(octet)))
    return record
  })
  return Buffer.concat([header, encodeQuestion(name), ...records])
}

export const question = encodeQuestion(queryName)
export const prebuiltAnswer = buildAnswer(queryName, targetAddresses, ttlSec)

/** The reply to `query`, or undefined (dropped) unless it is a standard query for exactly our question. */
export function answerTo(query: Buffer): Buffer | undefined {
  if (query.length < headerBytes + question.length) return undefined
  if ((query[2]! & 0xf8) !== 0 || query[4] !== 0 || query[5] !== 1) return undefined
  if (query.compare(question, 0, question.length, headerBytes, headerBytes + question.length) !== 0) {
    return undefined
  }
  const answer = Buffer.from(prebuiltAnswer)
  answer[0] = query[0]!
  answer[1] = query[1]!
  answer[2] = prebuiltAnswer[2]! | (query[2]! & flagRd)
  return answer
}

/** Binds the ceiling server; resolves once it is listening. */
export function serveCeiling(port: number, address = '127.0.0.1'): Promise<Socket> {
  const socket = createSocket('udp4')
  socket.on('message', (query, peer) => {
    const answer = answerTo(query)
    if (answer) socket.send(answer, peer.port, peer.address)
  })
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, address, () => {
      socket.off('error', reject)
      resolve(socket)
    })
  })
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, address: { type: 'string', default: '127.0.0.1' } },
  })
  await serveCeiling(Number(values.port), values.address)
}
