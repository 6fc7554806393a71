/**
 * A listener on a relayed response (the cache's writer): it sees the upstream's head and body as they
 * are streamed to the client, never the held ones a retry or a stale copy replaces.
 */
export interface ResponseTap {
  /** The upstream's head as undici gave it (raw Buffer pairs). false: not wanted, send nothing more. */
  head(status: number, rawHeaders: readonly Buffer[]): boolean
  data(chunk: Buffer): void
  /** The body ended whole. */
  end(): void
  /** The response broke or was cut short. */
  abort(): void
}
