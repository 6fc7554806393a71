import { createSocket } from 'node:dgram'
import { BadAnswerError } from '../errors.js'
import type { Question, Reply } from '../types.js'
import { aborted, decodeReply, queryBytes, queryId, toReply } from './message.js'
import { tcpQuery } from './tcp.js'

/**
 * One question over UDP from a fresh socket (a random source port each time) with a random ID. Replies
 * from elsewhere, with another ID or for another question are ignored (late or spoofed; the resolver's
 * stagger moves on); a reply from the nameserver that does not decode rejects at once. TC: asked again
 * over TCP.
 */
export function udpQuery(
  host: string,
  port: number,
  question: Question,
  signal: AbortSignal,
): Promise<Reply> {
  const from = `${host.includes(':') ? `[${host}]` : host}:${port}`
  const id = queryId()
  const query = queryBytes(question, id)
  return new Promise<Reply>((resolve, reject) => {
    if (signal.aborted) return reject(aborted(signal))
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    let done = false
    const finish = (error: Error | null, reply?: Reply): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      socket.close()
      if (error) reject(error)
      else resolve(reply!)
    }
    const onAbort = (): void => finish(aborted(signal))
    signal.addEventListener('abort', onAbort)
    socket.on('error', (error) => finish(new BadAnswerError(`${from}: ${error.message}`, { cause: error })))
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== port || rinfo.address !== host) return
      // Another ID is a late reply to an earlier query, or a guess: wait for ours.
      if (msg.length >= 2 && msg.readUInt16BE(0) !== id) return
      let message
      try {
        message = decodeReply(msg, question, id, from)
      } catch (error) {
        return finish(error instanceof Error ? error : new BadAnswerError(String(error)))
      }
      if (!message.tc) return finish(null, toReply(message))
      done = true
      signal.removeEventListener('abort', onAbort)
      socket.close()
      tcpQuery(host, port, question, signal).then(resolve, reject)
    })
    socket.connect(port, host, () => {
      if (!done) socket.send(query)
    })
  })
}
