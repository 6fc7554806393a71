import { HEADER_BYTES } from '@nines/wire'

/**
 * Splits a TCP byte stream into DNS messages (2-byte length prefix, RFC 1035 §4.2.2). A complete
 * frame inside one chunk is passed on as a view, without a copy; a frame that spans chunks is
 * assembled in one buffer allocated once its length is known, so a client trickling bytes costs
 * linear time and at most 65535 buffered bytes.
 */
export class FrameReader {
  private frame: Buffer | null = null
  private filled = 0
  // The first length byte, when a chunk ended between the two.
  private firstByte = -1
  // Frames begun so far, the incomplete one included.
  private begun = 0

  /** `onFrame` must not keep the buffer past the call: it may be a view into the chunk. */
  constructor(private readonly onFrame: (msg: Buffer) => void) {}

  /**
   * Feeds one chunk and hands over every frame it completes, in order. Returns false, handing over
   * nothing after it, at a frame that declares fewer bytes than a DNS header: the stream is broken.
   */
  push(chunk: Buffer): boolean {
    const n = chunk.length
    let p = 0
    while (p < n) {
      if (this.frame !== null) {
        const take = Math.min(this.frame.length - this.filled, n - p)
        chunk.copy(this.frame, this.filled, p, p + take)
        this.filled += take
        p += take
        if (this.filled < this.frame.length) return true
        const msg = this.frame
        this.frame = null
        this.onFrame(msg)
        continue
      }
      let length: number
      if (this.firstByte < 0) this.begun++
      if (this.firstByte >= 0) {
        length = (this.firstByte << 8) | chunk[p]!
        this.firstByte = -1
        p += 1
      } else if (n - p >= 2) {
        length = chunk.readUInt16BE(p)
        p += 2
      } else {
        this.firstByte = chunk[p]!
        return true
      }
      if (length < HEADER_BYTES) return false
      if (n - p >= length) {
        this.onFrame(chunk.subarray(p, p + length))
        p += length
      } else {
        this.frame = Buffer.allocUnsafe(length)
        this.filled = 0
      }
    }
    return true
  }

  /** Bytes held for an incomplete frame (at most 65535). */
  get buffered(): number {
    return (this.frame === null ? 0 : this.filled) + (this.firstByte >= 0 ? 1 : 0)
  }

  /**
   * 0 when no frame is incomplete; else the ordinal of the incomplete frame (1 for the first frame
   * of the stream), so a caller can tell a frame still under way from the next one.
   */
  get started(): number {
    return this.frame === null && this.firstByte < 0 ? 0 : this.begun
  }

  /** Drops an incomplete frame (the client closed mid-frame). */
  reset(): void {
    this.frame = null
    this.firstByte = -1
  }
}
