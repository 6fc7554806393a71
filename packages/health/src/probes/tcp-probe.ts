import { connect } from 'node:net'
import type { TcpCheck } from '../check.js'
import type { Probe } from '../probe.js'
import { errorDetail } from './detail.js'
import { probeOf } from './settle.js'

/**
 * A TCP probe: connect; with `send`, write it; with `expect`, read until the reply is as long as the
 * expected prefix (`reply mismatch` as soon as a byte differs, `closed before reply` if the peer closes
 * first). Success reports `ok`.
 */
export function tcpProbe(check: TcpCheck): Probe {
  const expected = check.expect === undefined ? undefined : Buffer.from(check.expect, 'utf8')

  return probeOf((target, finish) => {
    const socket = connect({ host: target.address, port: target.port, noDelay: true })
    let reply = Buffer.alloc(0)
    socket.on('error', (error) => finish(false, errorDetail(error)))
    socket.on('close', () => finish(false, 'closed before reply'))
    socket.on('connect', () => {
      if (check.send !== undefined) {
        socket.write(check.send, 'utf8', () => {
          if (expected === undefined) finish(true, 'ok')
        })
      } else if (expected === undefined) {
        finish(true, 'ok')
      }
    })
    socket.on('data', (chunk: Buffer) => {
      if (expected === undefined) return
      reply = Buffer.concat([reply, chunk]).subarray(0, expected.length)
      if (!reply.equals(expected.subarray(0, reply.length))) finish(false, 'reply mismatch')
      else if (reply.length === expected.length) finish(true, 'ok')
    })
    return () => socket.destroy()
  })
}
