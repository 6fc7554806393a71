import { Transform, type TransformCallback } from 'node:stream'

/**
 * Sits between a streamed request body of unknown length (chunked) and undici, counting bytes: the chunk
 * that passes `maxBytes` is not passed on and `onTooLarge` runs. Aborting the upstream request then
 * destroys this stream, not the client's request, so the client can still be answered 413.
 */
export class BodyLimiter extends Transform {
  #seen = 0
  #over = false
  readonly #maxBytes: number
  readonly #onTooLarge: () => void

  constructor(maxBytes: number, onTooLarge: () => void) {
    super()
    this.#maxBytes = maxBytes
    this.#onTooLarge = onTooLarge
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#over) return callback()
    this.#seen += chunk.length
    if (this.#seen <= this.#maxBytes) return callback(null, chunk)
    this.#over = true
    callback()
    this.#onTooLarge()
  }
}
