import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from '@nines/core'

const reply = (status: string): string =>
  `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`

// The answers Node itself would give; a custom handler has to give them, or clients see a bare reset.
function answerFor(code: string | undefined): string {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return reply('431 Request Header Fields Too Large')
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return reply('408 Request Timeout')
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return reply('413 Payload Too Large')
    default:
      return reply('400 Bad Request')
  }
}

/**
 * The servers' `clientError` listener: a malformed, oversized or too slow request gets 400/431/408 and
 * the socket is closed. Clients cause these, so they are logged at debug and never thrown; a socket
 * whose response has already begun only gets closed (a status line now would corrupt the stream).
 */
export function clientErrorHandler(
  logger: Logger,
): (error: Error & { code?: string }, socket: Duplex) => void {
  return (error, socket) => {
    const code = error.code
    const started =
      (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true
    // https forwards TLS failures here too (handshake timeout, bad ClientHello): no HTTP to answer with.
    const tls =
      code?.startsWith('ERR_TLS_') === true || code?.startsWith('ERR_SSL_') === true || 'library' in error
    // A reset or a closed pipe means the client is gone: nothing to answer, nothing worth a line.
    if (code !== 'ECONNRESET' && code !== 'EPIPE') {
      logger.debug({ code, err: error.message, remoteAddress: remoteAddress(socket) }, 'client error')
      if (socket.writable && !started && !tls) {
        socket.end(answerFor(code))
        // end() flushes the answer; destroy only if the client does not read it.
        // Node hands a net.Socket (or TLSSocket) here; the Duplex type hides its setTimeout.
        ;(socket as Socket).setTimeout(1000, () => socket.destroy())
        return
      }
    }
    socket.destroy()
  }
}

function remoteAddress(socket: Duplex): string | undefined {
  return (socket as { remoteAddress?: string }).remoteAddress
}
