import type { IncomingMessage } from 'node:http'

/** Bodies up to this size are kept in memory so a retry can send them again (`retry.replayBodyLimitBytes`). */
export const defaultReplayBodyLimitBytes = 65536

/**
 * A request body made ready for `forward`:
 * - `none`: no body (neither `Content-Length` nor `Transfer-Encoding`); replayable.
 * - `kept`: read whole (≤ the limit) into `data`; replayable, each attempt sends the same bytes.
 * - `stream`: larger, or of unknown size and past the limit: streamed from the client once (what was read
 *   while deciding is put back first). `used` turns true when an attempt started sending it.
 * - `client-closed`: the client went away or failed while the body was read.
 * - `too-large`: over `maxBodyBytes` (its `Content-Length`, or what was read while deciding): nothing was
 *   sent; the rest of the body is discarded, and the caller answers 413 with `Connection: close`.
 */
export type RequestBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'kept'; readonly data: Buffer }
  | { readonly kind: 'stream'; readonly stream: IncomingMessage; used: boolean }
  | { readonly kind: 'client-closed' }
  | { readonly kind: 'too-large' }

const none: RequestBody = { kind: 'none' }
const clientClosed: RequestBody = { kind: 'client-closed' }
const tooLarge: RequestBody = { kind: 'too-large' }

/**
 * Gives up on a request body over the limit: the rest is read and dropped, so the kernel holds no unread
 * bytes when the connection closes after the 413 (unread bytes turn the close into a reset that can
 * destroy the 413 before the client reads it).
 */
export function discardBody(req: IncomingMessage): void {
  req.resume()
}

/** Whether an attempt may send this body (again): `bodyReplayable` for `shouldRetry`. */
export function bodyReplayable(body: RequestBody): boolean {
  return body.kind === 'none' || body.kind === 'kept'
}

/**
 * Reads the request body up to `limitBytes` so it can be replayed, or leaves it to stream once. A
 * `Content-Length` over the limit streams at once without reading; a chunked body is read until it
 * ends or passes the limit, then what was read is put back (`unshift`) and the rest streams.
 * `maxBodyBytes` (the edge's `limits.maxBodyBytes`): a `Content-Length` over it is `too-large` before
 * anything is read, and so is a chunked body that passes it while being kept; a chunked body that
 * streams is held to it by `forward` (same option).
 */
export function readRequestBody(
  req: IncomingMessage,
  limitBytes = defaultReplayBodyLimitBytes,
  maxBodyBytes?: number,
): RequestBody | Promise<RequestBody> {
  const length = req.headers['content-length']
  if (length === undefined && req.headers['transfer-encoding'] === undefined) return none
  if (length !== undefined && maxBodyBytes !== undefined && Number(length) > maxBodyBytes) {
    discardBody(req)
    return tooLarge
  }
  if (length !== undefined && Number(length) > limitBytes) return { kind: 'stream', stream: req, used: false }
  if (req.readableEnded) return { kind: 'kept', data: Buffer.alloc(0) }
  return new Promise<RequestBody>((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (body: RequestBody): void => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onFail)
      req.off('close', onClose)
      resolve(body)
    }
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk)
      size += chunk.length
      if (maxBodyBytes !== undefined && size > maxBodyBytes) {
        done(tooLarge)
        discardBody(req)
      } else if (size > limitBytes) {
        req.pause()
        done({ kind: 'stream', stream: req, used: false })
        req.unshift(chunks.length === 1 ? chunk : Buffer.concat(chunks, size))
      }
    }
    const onEnd = (): void =>
      done({ kind: 'kept', data: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) })
    const onFail = (): void => done(clientClosed)
    const onClose = (): void => {
      if (!req.readableEnded) done(clientClosed)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onFail)
    req.on('close', onClose)
  })
}
