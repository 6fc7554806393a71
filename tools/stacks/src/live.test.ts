import { connect as tcpConnect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startDemoEndpoint, stacks, type DemoEndpoint, type StackName } from './index.js'
import { eventsEveryMs, firstEventId } from './mode.js'
import { websocketAccept } from './raw.js'

const open: DemoEndpoint[] = []
const clients: WebSocket[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate()
  await Promise.all(open.splice(0).map((endpoint) => endpoint.close()))
})

async function start(stack: StackName): Promise<DemoEndpoint> {
  const endpoint = await startDemoEndpoint({ stack, name: `t-${stack}`, address: '127.0.0.1', port: 0 })
  open.push(endpoint)
  return endpoint
}

const control = (endpoint: DemoEndpoint, query: string) =>
  fetch(`${endpoint.url}/__nines/${query}`, { method: 'POST', signal: AbortSignal.timeout(2000) })

/** Opens `/chat`; resolves once open, rejects with the status of a refused upgrade. */
function connect(endpoint: DemoEndpoint, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const client = new WebSocket(`${endpoint.url.replace('http:', 'ws:')}/chat`, options)
  clients.push(client)
  return new Promise((resolve, reject) => {
    client.once('open', () => resolve(client))
    client.once('unexpected-response', (_request, response) =>
      reject(new Error(`status ${response.statusCode}`)),
    )
    client.once('error', reject)
  })
}

const nextMessage = (client: WebSocket): Promise<unknown> =>
  new Promise((resolve) => client.once('message', (data) => resolve(JSON.parse(String(data)))))

interface ServerEvent {
  id?: string
  data?: string
  retry?: string
  comments: string[]
}

/** Reads server-sent events from a response body until `count` events with data have arrived. */
async function readEvents(
  response: Response,
  count: number,
): Promise<{ events: ServerEvent[]; preamble: ServerEvent[] }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  const events: ServerEvent[] = []
  const preamble: ServerEvent[] = []
  let text = ''
  while (events.length < count) {
    const { value, done } = await reader.read()
    if (done) throw new Error('stream ended early')
    text += value
    let end: number
    while ((end = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, end)
      text = text.slice(end + 2)
      const event: ServerEvent = { comments: [] }
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) event.comments.push(line.slice(1).trim())
        else {
          const colon = line.indexOf(':')
          const field = line.slice(0, colon) as 'id' | 'data' | 'retry'
          event[field] = line.slice(colon + 1).trimStart()
        }
      }
      if (event.data === undefined) preamble.push(event)
      else events.push(event)
    }
  }
  void reader.cancel()
  return { events, preamble }
}

describe('stream helpers', () => {
  it('computes the RFC 6455 example accept value (raw stack)', () => {
    expect(websocketAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
  })

  it.each([
    ['', 1000],
    ['?everyMs=250', 250],
    ['?everyMs=1', 10],
    ['?everyMs=999999', 60_000],
    ['?everyMs=soon', 1000],
  ])('bounds everyMs %s to %i', (query, expected) => {
    expect(eventsEveryMs(new URL(`http://x/api/events${query}`))).toBe(expected)
  })

  it('resumes ids after Last-Event-ID', () => {
    expect(firstEventId(undefined)).toBe(1)
    expect(firstEventId('7')).toBe(8)
    expect(firstEventId('nonsense')).toBe(1)
  })
})

describe.each(Object.keys(stacks) as StackName[])('%s live routes', (stack) => {
  const name = `t-${stack}`

  it('echoes /chat text messages naming stack and endpoint, then completes the close handshake', async () => {
    const endpoint = await start(stack)
    const client = await connect(endpoint)
    await expect.poll(() => endpoint.live.chats).toBe(1)
    const first = nextMessage(client)
    client.send('hello')
    expect(await first).toEqual({ stack, name, echo: 'hello' })
    // A fragmented message comes back whole.
    const second = nextMessage(client)
    client.send('frag', { fin: false })
    client.send('mented', { fin: true })
    expect(await second).toEqual({ stack, name, echo: 'fragmented' })
    // Ping is answered with a pong carrying the same payload.
    const pong = new Promise<string>((resolve) => client.once('pong', (data) => resolve(String(data))))
    client.ping('are you there')
    expect(await pong).toBe('are you there')
    // A clean close: the server answers the close frame, so the client sees 1000 (not 1006, a dropped line).
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)))
    client.close(1000, 'bye')
    expect(await closed).toBe(1000)
    await expect.poll(() => endpoint.live.chats).toBe(0)
  })

  it('echoes a message with a 16-bit length and closes with 1009 on one over 64 KB', async () => {
    const endpoint = await start(stack)
    const client = await connect(endpoint)
    const text = 'x'.repeat(1000)
    const reply = nextMessage(client)
    client.send(text)
    expect(await reply).toEqual({ stack, name, echo: text })
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)))
    client.send('y'.repeat(100 * 1024))
    expect(await closed).toBe(1009)
    await expect.poll(() => endpoint.live.chats).toBe(0)
  })

  it('refuses the /chat upgrade with 503 while failing, and never answers it while hanging', async () => {
    const endpoint = await start(stack)
    await control(endpoint, 'mode?set=fail')
    await expect(connect(endpoint)).rejects.toThrow('status 503')
    await control(endpoint, 'mode?set=hang')
    await expect(connect(endpoint, { handshakeTimeout: 300 })).rejects.toThrow(/timed out/i)
    await control(endpoint, 'mode?set=ok')
    const client = await connect(endpoint)
    const reply = nextMessage(client)
    client.send('back')
    expect(await reply).toEqual({ stack, name, echo: 'back' })
  })

  it('never answers a /chat message that arrives while hanging, and answers again after set=ok', async () => {
    const endpoint = await start(stack)
    const client = await connect(endpoint)
    const replies: unknown[] = []
    client.on('message', (data) => replies.push(JSON.parse(String(data))))
    await control(endpoint, 'mode?set=hang')
    client.send('lost')
    // The pong comes after the server has read 'lost' (frames are read in order), so the switch back is later.
    const pong = new Promise((resolve) => client.once('pong', resolve))
    client.ping()
    await pong
    await control(endpoint, 'mode?set=ok')
    client.send('kept')
    await expect.poll(() => replies.length).toBe(1)
    expect(replies).toEqual([{ stack, name, echo: 'kept' }])
  })

  it('streams /api/events with increasing ids and stops its timers when the client goes away', async () => {
    const endpoint = await start(stack)
    const abort = new AbortController()
    const response = await fetch(`${endpoint.url}/api/events?everyMs=20`, { signal: abort.signal })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const { events, preamble } = await readEvents(response, 3)
    expect(preamble[0]?.retry).toBe('2000')
    expect(preamble.flatMap((event) => event.comments).join(' ')).toContain(`${stack} ${name}`)
    expect(events.map((event) => Number(event.id))).toEqual([1, 2, 3])
    for (const event of events) {
      expect(JSON.parse(event.data!)).toMatchObject({ stack, name, id: Number(event.id) })
    }
    expect(endpoint.live.events).toBe(1)
    abort.abort()
    await expect.poll(() => endpoint.live.events).toBe(0)
  })

  it('resumes after Last-Event-ID, and answers 503 on /api/events while failing', async () => {
    const endpoint = await start(stack)
    const abort = new AbortController()
    const response = await fetch(`${endpoint.url}/api/events?everyMs=10`, {
      headers: { 'last-event-id': '41' },
      signal: abort.signal,
    })
    const { events } = await readEvents(response, 2)
    expect(events.map((event) => event.id)).toEqual(['42', '43'])
    abort.abort()
    await control(endpoint, 'mode?set=fail')
    const failing = await fetch(`${endpoint.url}/api/events`, { signal: AbortSignal.timeout(2000) })
    expect(failing.status).toBe(503)
    await failing.body?.cancel()
    await expect.poll(() => endpoint.live.events).toBe(0)
  })
})

describe('raw stack WebSocket framing', () => {
  it('answers the handshake and reads a masked frame that arrives one byte at a time', async () => {
    const endpoint = await start('raw')
    const { port } = new URL(endpoint.url)
    const socket = tcpConnect(Number(port), '127.0.0.1')
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    const all = () => Buffer.concat(received)
    socket.write(
      'GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
    await expect.poll(() => all().includes('\r\n\r\n')).toBe(true)
    const head = all().toString('latin1')
    expect(head).toMatch(/^HTTP\/1\.1 101 /)
    expect(head).toContain('sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
    received.length = 0
    const mask = Buffer.from([1, 2, 3, 4])
    const payload = Buffer.from('hi').map((byte, i) => byte ^ (mask[i % 4] as number))
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | 2]), mask, payload])
    for (const byte of frame) socket.write(Buffer.from([byte]))
    const echo = JSON.stringify({ stack: 'raw', name: 't-raw', echo: 'hi' })
    await expect.poll(() => all().length).toBe(2 + echo.length)
    expect(all()[0]).toBe(0x81)
    expect(all()[1]).toBe(echo.length)
    expect(all().subarray(2).toString()).toBe(echo)
    socket.destroy()
  })
})
