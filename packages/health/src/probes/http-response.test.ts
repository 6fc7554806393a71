import { describe, expect, it } from 'vitest'
import { ResponseReader } from './http-response.js'

/** Feeds `text` in pieces of `size` bytes (every split point matters to a streaming parser). */
function read(text: string, size: number, options: { bodiless?: boolean; keep?: number } = {}) {
  const reader = new ResponseReader(options.bodiless ?? false, options.keep ?? 1_000)
  const bytes = Buffer.from(text, 'latin1')
  for (let at = 0; at < bytes.length; at += size) reader.push(bytes.subarray(at, at + size))
  return reader
}

const sizes = [1, 2, 3, 7, 10_000]

describe('ResponseReader', () => {
  it.each(sizes)('reads a Content-Length body fed %i bytes at a time', (size) => {
    const reader = read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', size)
    expect(reader.head).toEqual({ status: 200, location: undefined, keepAlive: true })
    expect(reader.complete).toBe(true)
    expect(reader.body()).toBe('hello')
    expect(reader.trailing).toBe(false)
  })

  it.each(sizes)('reads a chunked body with extensions and trailers, %i bytes at a time', (size) => {
    const text =
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nx-t: 1\r\n\r\n'
    const reader = read(text, size)
    expect(reader.complete).toBe(true)
    expect(reader.body()).toBe('hello, world')
    expect(reader.head?.keepAlive).toBe(true)
  })

  it('skips interim 1xx heads', () => {
    const reader = read('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', 4)
    expect(reader.head?.status).toBe(204)
    expect(reader.complete).toBe(true)
  })

  it('reads to the end of the connection without framing, and never keeps that connection', () => {
    const reader = read('HTTP/1.1 200 OK\r\n\r\npart', 100)
    expect(reader.complete).toBe(false)
    reader.push(Buffer.from(' two'))
    reader.closed()
    expect(reader.complete).toBe(true)
    expect(reader.body()).toBe('part two')
    expect(reader.head?.keepAlive).toBe(false)
  })

  it.each([
    ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n', true],
    ['HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n', true],
  ])('says whether %j leaves the connection usable (%s)', (text, keepAlive) => {
    const reader = read(text, 5)
    expect(reader.complete).toBe(true)
    expect(reader.head?.keepAlive).toBe(keepAlive)
  })

  it('keeps the Location and reads no body after HEAD', () => {
    const reader = read('HTTP/1.1 301 Moved\r\nlocation: /there\r\ncontent-length: 99\r\n\r\n', 8, {
      bodiless: true,
    })
    expect(reader.head).toMatchObject({ status: 301, location: '/there' })
    expect(reader.complete).toBe(true)
  })

  it('keeps at most keepBytes of the body but reads it all', () => {
    const reader = read('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123456789', 3, { keep: 4 })
    expect(reader.body()).toBe('0123')
    expect(reader.keptBytes).toBe(4)
    expect(reader.complete).toBe(true)
  })

  it('marks bytes after the response as trailing', () => {
    const reader = read('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nxHTTP/1.1', 100)
    expect(reader.complete).toBe(true)
    expect(reader.trailing).toBe(true)
  })

  it.each([
    'SSH-2.0-OpenSSH\r\n\r\n',
    'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
    'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n',
    'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
    `HTTP/1.1 200 OK\r\n${'x-long: y\r\n'.repeat(2_000)}`,
  ])('calls %j malformed', (text) => {
    expect(read(text, 64).malformed).toBe(true)
  })

  it('waits for the rest of a head split anywhere', () => {
    const reader = read('HTTP/1.1 200 OK\r\ncontent-len', 100)
    expect(reader.head).toBeUndefined()
    expect(reader.started).toBe(true)
    expect(reader.malformed).toBe(false)
  })
})
