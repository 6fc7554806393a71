import { randomInt } from 'node:crypto'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect, isIPv6, type Socket } from 'node:net'
import type { DnsCheck } from '../check.js'
import type { Probe, ProbeTarget } from '../probe.js'
import { errorDetail } from './detail.js'
import {
  dnsTypeCode,
  encodeQuery,
  judgeReply,
  queryName,
  type DnsExpectation,
  type DnsQuestion,
} from './dns-message.js'
import { probeOf, type Finish } from './settle.js'

/**
 * A DNS probe: asks `name`/`type` over UDP from its own socket with a random ID, and again over TCP when the
 * reply is truncated. The reply must carry `expectRcode` (else `rcode X`) and, with `expectAnswer`, an
 * answer whose data equals it (else `answer mismatch`). Success reports `ok`.
 */
export function dnsProbe(check: DnsCheck): Probe {
  const name = queryName(check.name)
  const type = dnsTypeCode[check.type]
  const expectation: DnsExpectation = { rcode: check.expectRcode, answer: check.expectAnswer }

  return probeOf((target, finish) => {
    const question: DnsQuestion = { id: randomInt(0x10000), name, type }
    const query = encodeQuery(question)
    let tcp: Socket | undefined
    const udp = createSocket(isIPv6(target.address) ? 'udp6' : 'udp4')
    udp.on('error', (error) => finish(false, errorDetail(error)))
    udp.on('message', (message) => {
      const verdict = judgeReply(message, question, expectation, 'udp')
      if (verdict.kind === 'result') finish(verdict.ok, verdict.detail)
      else if (verdict.kind === 'truncated' && tcp === undefined) {
        closeQuietly(udp)
        tcp = askOverTcp(target, query, finish, (reply) => judgeReply(reply, question, expectation, 'tcp'))
      }
    })
    // A connected socket hears the ICMP "port unreachable" as ECONNREFUSED and drops other senders' datagrams.
    udp.connect(target.port, target.address, () => {
      udp.send(query, (error) => {
        if (error) finish(false, errorDetail(error))
      })
    })
    return () => {
      closeQuietly(udp)
      tcp?.destroy()
    }
  })
}

/** RFC 1035 4.2.2: each message is preceded by its length in two bytes. */
function askOverTcp(
  target: ProbeTarget,
  query: Buffer,
  finish: Finish,
  judge: (reply: Buffer) => ReturnType<typeof judgeReply>,
): Socket {
  const frame = Buffer.alloc(2 + query.length)
  frame.writeUInt16BE(query.length, 0)
  query.copy(frame, 2)
  const socket = connect({ host: target.address, port: target.port, noDelay: true })
  let buffered = Buffer.alloc(0)
  socket.on('connect', () => socket.write(frame))
  socket.on('error', (error) => finish(false, errorDetail(error)))
  socket.on('close', () => finish(false, 'closed before reply'))
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    while (buffered.length >= 2) {
      const length = buffered.readUInt16BE(0)
      if (buffered.length < 2 + length) return
      const verdict = judge(buffered.subarray(2, 2 + length))
      buffered = buffered.subarray(2 + length)
      if (verdict.kind === 'result') {
        finish(verdict.ok, verdict.detail)
        return
      }
    }
  })
  return socket
}

function closeQuietly(socket: UdpSocket): void {
  try {
    socket.close()
  } catch {
    // already closed
  }
}
