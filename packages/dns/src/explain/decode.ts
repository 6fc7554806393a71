import { InvalidArgumentError } from '@nines/core'
import {
  RRType,
  Rcode,
  decodeMessage,
  encodeQuery,
  isQueryProblem,
  parseQuery,
  writeResponse,
  type Answer,
  type DecodedRecord,
} from '@nines/wire'

/** One record in presentation form, as `dig` would print it (names without the trailing dot). */
export interface ExplainedRecord {
  readonly name: string
  readonly type: string
  readonly ttl: number
  readonly data: string
}

export interface DecodedAnswer {
  readonly rcode: number
  readonly aa: boolean
  readonly answers: readonly ExplainedRecord[]
  readonly authority: readonly ExplainedRecord[]
  readonly additional: readonly ExplainedRecord[]
}

const typeNames = new Map<number, string>(Object.entries(RRType).map(([name, code]) => [code, name]))
const rcodeNames = new Map<number, string>(Object.entries(Rcode).map(([name, code]) => [code, name]))

export function typeName(code: number): string {
  return typeNames.get(code) ?? `TYPE${code}`
}

export function rcodeName(code: number): string {
  return rcodeNames.get(code) ?? `RCODE${code}`
}

/**
 * The records of a precomputed answer to `name`/`qtype`: written into a whole response exactly as the
 * server writes it (over TCP, so never truncated) and read back, so what is shown is what is sent.
 */
export function decodeAnswer(name: string, qtype: number, answer: Answer): DecodedAnswer {
  const msg = encodeQuery({ name, type: qtype })
  const query = parseQuery(msg)
  if (isQueryProblem(query)) throw new InvalidArgumentError(`name ${JSON.stringify(name)}: ${query.detail}`)
  const reply = decodeMessage(writeResponse(query, msg, answer, { maxUdpPayload: 4096, transport: 'tcp' }))
  const explained = (records: readonly DecodedRecord[]): ExplainedRecord[] =>
    records.map((record) => ({
      name: record.name,
      type: typeName(record.type),
      ttl: record.ttl,
      data: record.data,
    }))
  return {
    rcode: reply.rcode,
    aa: reply.aa,
    answers: explained(reply.answers),
    authority: explained(reply.authority),
    additional: explained(reply.additional),
  }
}
