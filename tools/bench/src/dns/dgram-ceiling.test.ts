import { Resolver } from 'node:dns/promises'
import type { Socket } from 'node:dgram'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { answerTo, encodeQuestion, prebuiltAnswer, question, serveCeiling } from './dgram-ceiling.js'
import { queryName, targetAddresses } from './zone.js'

/** A standard query: header with `id` and `flags`, one question, optional additional records. */
function query(
  id: number,
  flags: number,
  body: Buffer = question,
  additional = Buffer.alloc(0),
  arcount = 0,
) {
  const header = Buffer.alloc(12)
  header.writeUInt16BE(id, 0)
  header.writeUInt16BE(flags, 2)
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(arcount, 10)
  return Buffer.concat([header, body, additional])
}

// OPT with ECS 192.0.2.0/24, as dnsperf -e -E 8:00011800c00002 sends it.
const optEcs = Buffer.from('0000291000000000000b0008000700011800c00002', 'hex')

describe('the prebuilt answer', () => {
  it('is the 82-byte answer every server in the bench gives', () => {
    expect(prebuiltAnswer.length).toBe(82)
    expect(prebuiltAnswer.readUInt16BE(6)).toBe(targetAddresses.length)
    expect(prebuiltAnswer.subarray(12, 12 + question.length)).toEqual(question)
  })

  it('encodes the question as labels, A, IN', () => {
    expect(encodeQuestion('a.bc')).toEqual(Buffer.from([1, 97, 2, 98, 99, 0, 0, 1, 0, 1]))
  })
})

describe('answerTo', () => {
  it.each([
    { id: 0x1234, flags: 0x0100, rd: 1 },
    { id: 0xbeef, flags: 0x0000, rd: 0 },
  ])('copies ID $id and RD $rd into a copy of the prebuilt answer', ({ id, flags, rd }) => {
    const before = Buffer.from(prebuiltAnswer)
    const answer = answerTo(query(id, flags))!
    expect(answer.readUInt16BE(0)).toBe(id)
    expect(answer[2]! & 1).toBe(rd)
    expect(answer[2]! & 0x80).toBe(0x80) // QR
    expect(answer.subarray(3)).toEqual(prebuiltAnswer.subarray(3))
    expect(prebuiltAnswer).toEqual(before)
  })

  it('answers an ECS query without echoing OPT', () => {
    expect(answerTo(query(7, 0x0100, question, optEcs, 1))?.length).toBe(82)
  })

  it.each([
    { why: 'another name', packet: query(1, 0, encodeQuestion('other.example.test')) },
    { why: 'a response', packet: query(1, 0x8000) },
    { why: 'another opcode', packet: query(1, 0x2800) },
    { why: 'a short packet', packet: query(1, 0).subarray(0, 20) },
  ])('drops $why', ({ packet }) => {
    expect(answerTo(packet)).toBeUndefined()
  })
})

describe('serveCeiling', () => {
  let socket: Socket
  beforeAll(async () => {
    socket = await serveCeiling(0)
  })
  afterAll(() => new Promise<void>((resolve) => socket.close(() => resolve())))

  it("answers Node's resolver over real UDP with the three addresses", async () => {
    const resolver = new Resolver({ timeout: 2000, tries: 2 })
    resolver.setServers([`127.0.0.1:${socket.address().port}`])
    expect((await resolver.resolve4(queryName)).sort()).toEqual([...targetAddresses].sort())
  })
})
