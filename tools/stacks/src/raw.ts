import { createServer, type Server, type Socket } from 'node:net'
import { CONTROL_PREFIX, appReply, controlReply, type Behaviour, type Reply } from './mode.js'

const reasons: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  503: 'Service Unavailable',
}

function write(socket: Socket, reply: Reply, keepAlive: boolean, onCrash: () => void): void {
  const body = Buffer.from(reply.body)
  socket.write(
    `HTTP/1.1 ${reply.status} ${reasons[reply.status] ?? 'Status'}\r\ncontent-type: application/json\r\n` +
      `content-length: ${body.length}\r\nconnection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`,
  )
  socket.write(body, () => {
    if (reply.crash) onCrash()
  })
  if (!keepAlive) socket.end()
}

/**
 * Stack C: a deliberately different implementation, HTTP/1.1 parsed by hand over `node:net`
 * (request line and headers only; bodies are ignored). One request at a time per connection.
 */
export function rawStack(name: string, behaviour: Behaviour, onCrash: () => void): Server {
  return createServer((socket) => {
    let buffered = ''
    let busy = false
    socket.setEncoding('latin1')
    const next = (): void => {
      const end = buffered.indexOf('\r\n\r\n')
      if (busy || end < 0) return
      const head = buffered.slice(0, end)
      buffered = buffered.slice(end + 4)
      const [requestLine = '', ...headerLines] = head.split('\r\n')
      const [method = 'GET', target = '/'] = requestLine.split(' ')
      const keepAlive = !headerLines.some((line) => /^connection:\s*close/i.test(line))
      const url = new URL(target, 'http://demo')
      if (url.pathname.startsWith(CONTROL_PREFIX)) {
        const reply = controlReply(method, url, behaviour)
        write(socket, reply, keepAlive, onCrash)
        return next()
      }
      busy = true
      void appReply('raw', name, url.pathname, behaviour).then((reply) => {
        if (!reply || socket.destroyed) return
        busy = false
        write(socket, reply, keepAlive, onCrash)
        next()
      })
    }
    socket.on('data', (chunk: string) => {
      buffered += chunk
      if (buffered.length > 65_536) socket.destroy()
      else next()
    })
    socket.on('error', () => socket.destroy())
  })
}
