import { randomInt } from 'node:crypto'
import { BadMessageError, decodeMessage, encodeQuery, type DecodedMessage } from '@nines/wire'
import { BadAnswerError } from '../errors.js'
import type { Question, Reply } from '../types.js'

/** A random query ID (RFC 5452: ID and source port are what an off-path spoofer must guess). */
export function queryId(): number {
  return randomInt(0, 65536)
}

export function queryBytes(question: Question, id: number): Buffer {
  return encodeQuery({ id, name: question.name, type: question.type, edns: { udpPayloadSize: 1232 } })
}

/**
 * Decodes a reply and checks it answers this query: QR set, the ID (unless `anyId`, DoH uses 0), the
 * question. Malformed or mismatched replies throw BadAnswerError (cause: wire's BadMessageError).
 */
export function decodeReply(
  bytes: Buffer,
  question: Question,
  id: number | undefined,
  from: string,
): DecodedMessage {
  let message: DecodedMessage
  try {
    message = decodeMessage(bytes)
  } catch (error) {
    if (error instanceof BadMessageError) {
      throw new BadAnswerError(`${from}: malformed reply (${error.message})`, { cause: error })
    }
    throw error
  }
  if (!message.qr) throw new BadAnswerError(`${from}: the reply has QR clear`)
  if (id !== undefined && message.id !== id) {
    throw new BadAnswerError(`${from}: reply ID ${message.id}, the query's is ${id}`)
  }
  const q = message.question[0]
  if (q === undefined || q.name.toLowerCase() !== question.name || q.type !== question.type) {
    throw new BadAnswerError(
      `${from}: the reply is for ${q ? `${q.name} type ${q.type}` : 'no question'}, not ${question.name} type ${question.type}`,
    )
  }
  return message
}

export function toReply(message: DecodedMessage): Reply {
  const strip = (records: DecodedMessage['answers']) =>
    records.map((r) => ({ name: r.name.toLowerCase(), type: r.type, ttl: r.ttl, data: r.data }))
  return { rcode: message.rcode, answers: strip(message.answers), authority: strip(message.authority) }
}

/** A rejection for an abort, so a transport's promise settles at once when the resolver stops it. */
export function aborted(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted')
}
