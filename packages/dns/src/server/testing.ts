// Test helpers for the socket layer: a tiny resolver built from wire functions and raw clients.
// Not exported from the package.
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:net'
import {
  EMPTY_BODY,
  RRType,
  Rcode,
  encodeBody,
  nameKeyOf,
  type Answer,
  type ParsedQuery,
  type WireRecord,
} from '@nines/wire'
import type { Resolver } from './types.js'

export const APP = 'app.nines.test'
export const BIG = 'big.nines.test'
export const BOOM = 'boom.nines.test'
export const APP_V4 = '192.0.2.1'
export const APP_V6 = '2001:db8::1'
/** More A records than fit 1232 bytes: TC=1 over UDP, everything over TCP. */
export const BIG_COUNT = 100

const a = (name: string, data: string): WireRecord => ({ name, type: 'A', ttlSec: 30, data })
const answers = new Map<string, Answer>([
  [`${nameKeyOf(APP)}/${RRType.A}`, positive(encodeBody({ answers: [a(APP, APP_V4)] }, APP))],
  [
    `${nameKeyOf(APP)}/${RRType.AAAA}`,
    positive(encodeBody({ answers: [{ name: APP, type: 'AAAA', ttlSec: 30, data: APP_V6 }] }, APP)),
  ],
  [
    `${nameKeyOf(BIG)}/${RRType.A}`,
    positive(
      encodeBody(
        { answers: Array.from({ length: BIG_COUNT }, (_, i) => a(BIG, `10.0.${i >> 8}.${i & 255}`)) },
        BIG,
      ),
    ),
  ],
])
const boomKey = nameKeyOf(BOOM)

function positive(body: Answer['body']): Answer {
  return { rcode: Rcode.NOERROR, aa: true, body }
}

/** A for app/big, AAAA for app, a throw for boom, REFUSED for anything else. */
export function testResolver(): Resolver & { calls: number } {
  return {
    calls: 0,
    resolve(query: ParsedQuery): Answer {
      this.calls++
      if (query.qnameKey === boomKey) throw new Error('boom')
      return (
        answers.get(`${query.qnameKey}/${query.qtype}`) ?? {
          rcode: Rcode.REFUSED,
          aa: false,
          body: EMPTY_BODY,
        }
      )
    },
  }
}

/** Resolves when `condition()` holds, polling on the event loop; rejects after `timeoutMs`. */
export async function until(
  condition: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
  everyMs = 2,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** A UDP client that collects every datagram it receives. */
export async function udpClient(family: 4 | 6): Promise<{ socket: UdpSocket; replies: Buffer[] }> {
  const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', recvBufferSize: 4 << 20 })
  const replies: Buffer[] = []
  socket.on('message', (msg) => replies.push(msg))
  await new Promise<void>((resolve) => socket.bind(0, family === 6 ? '::1' : '127.0.0.1', resolve))
  return { socket, replies }
}

/** One query over UDP; the reply, or null when none came within `timeoutMs`. */
export async function udpQuery(
  host: string,
  port: number,
  msg: Buffer,
  timeoutMs = 3000,
): Promise<Buffer | null> {
  const { socket, replies } = await udpClient(host.includes(':') ? 6 : 4)
  try {
    socket.send(msg, port, host)
    await until(() => replies.length > 0, timeoutMs).catch(() => undefined)
    return replies[0] ?? null
  } finally {
    socket.close()
  }
}

export interface TcpExchange {
  /** Reply messages, length prefix removed. */
  frames: Buffer[]
  /** The server closed (or reset) the connection. */
  closed: boolean
}

/**
 * Opens a connection and writes each chunk in turn (a short pause between them); then half-closes
 * when `halfClose`, and waits until `frames` replies arrived or the server closed.
 */
export function tcpExchange(
  host: string,
  port: number,
  chunks: readonly Buffer[],
  options: { frames?: number; halfClose?: boolean; timeoutMs?: number } = {},
): Promise<TcpExchange> {
  const want = options.frames ?? Infinity
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    const frames: Buffer[] = []
    let data = Buffer.alloc(0)
    let done = false
    const finish = (closed: boolean): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ frames, closed })
    }
    const timer = setTimeout(() => {
      done = true
      socket.destroy()
      reject(new Error(`TCP exchange timed out with ${frames.length} frames`))
    }, options.timeoutMs ?? 5000)
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk])
      while (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        frames.push(data.subarray(2, 2 + data.readUInt16BE(0)))
        data = data.subarray(2 + data.readUInt16BE(0))
      }
      if (frames.length >= want) finish(false)
    })
    socket.on('error', () => finish(true))
    socket.on('close', () => finish(true))
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (done) return
        socket.write(chunk)
        await new Promise((r) => setTimeout(r, 5))
      }
      if (options.halfClose && !done) socket.end()
    })
  })
}

/** A DNS message with its 2-byte TCP length prefix. */
export function framed(msg: Buffer): Buffer {
  const out = Buffer.alloc(2 + msg.length)
  out.writeUInt16BE(msg.length, 0)
  msg.copy(out, 2)
  return out
}

export { selfSigned } from '@nines/tls/testing'

/** A fresh temporary directory; remove it with `rmSync(dir, { recursive: true, force: true })`. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'nines-dns-tls-'))
}
