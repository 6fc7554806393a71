import { connect } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import type { Socket } from 'node:net'
import { BadAnswerError } from '../errors.js'
import type { Question, Reply } from '../types.js'
import { aborted, decodeReply, queryBytes, queryId, toReply } from './message.js'

/** One question over its own TCP connection, RFC 7766 framing (a 2-byte length before each message). */
export function tcpQuery(
  host: string,
  port: number,
  question: Question,
  signal: AbortSignal,
): Promise<Reply> {
  return streamQuery(
    `tcp://${hostPort(host, port)}`,
    () => connect({ host, port }),
    'connect',
    question,
    signal,
  )
}

/**
 * One question over DNS over TLS (RFC 7858): TCP's framing inside TLS on its own connection. The
 * certificate must name `host` (an IP address SAN for an IP literal); `ca` trusts a private CA.
 */
export function dotQuery(
  host: string,
  port: number,
  question: Question,
  signal: AbortSignal,
  tls: Pick<ConnectionOptions, 'ca'> = {},
): Promise<Reply> {
  return streamQuery(
    `tls://${hostPort(host, port)}`,
    () => tlsConnect({ host, port, ...tls }),
    'secureConnect',
    question,
    signal,
  )
}

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`

function streamQuery(
  from: string,
  open: () => Socket,
  ready: 'connect' | 'secureConnect',
  question: Question,
  signal: AbortSignal,
): Promise<Reply> {
  const id = queryId()
  const query = queryBytes(question, id)
  const framed = Buffer.alloc(2 + query.length)
  framed.writeUInt16BE(query.length, 0)
  query.copy(framed, 2)
  return new Promise<Reply>((resolve, reject) => {
    if (signal.aborted) return reject(aborted(signal))
    const socket = open()
    let data: Buffer = Buffer.alloc(0)
    let done = false
    const finish = (error: Error | null, reply?: Reply): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      if (error) reject(error)
      else resolve(reply!)
    }
    const onAbort = (): void => finish(aborted(signal))
    signal.addEventListener('abort', onAbort)
    socket.on(ready, () => socket.write(framed))
    socket.on('error', (error) => finish(new BadAnswerError(`${from}: ${error.message}`, { cause: error })))
    socket.on('close', () =>
      finish(new BadAnswerError(`${from}: the connection closed before a whole reply`)),
    )
    socket.on('data', (chunk: Buffer) => {
      data = data.length === 0 ? chunk : Buffer.concat([data, chunk])
      if (data.length < 2 || data.length < 2 + data.readUInt16BE(0)) return
      try {
        finish(null, toReply(decodeReply(data.subarray(2, 2 + data.readUInt16BE(0)), question, id, from)))
      } catch (error) {
        finish(error instanceof Error ? error : new BadAnswerError(String(error)))
      }
    })
  })
}
