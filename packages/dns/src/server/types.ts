import type { Answer, ParsedQuery } from '@nines/wire'

/** Who sent a query. On the UDP path one object per socket is reused: copy it to keep it past the call. */
export interface QueryClient {
  address: string
  family: 4 | 6
  port: number
}

/** `doh` and `dot` are answered as TCP is: never truncated, up to 65 535 bytes. */
export type Transport = 'udp' | 'tcp' | 'doh' | 'dot'

/**
 * Answers a parsed query from memory. The daemon swaps the resolver atomically on every health or
 * config change; a resolver that throws is answered with SERVFAIL and counted as an internal error.
 */
export interface Resolver {
  resolve(query: ParsedQuery, client: { readonly address: string; readonly family: 4 | 6 }): Answer
}

/** Turns one DNS message into its reply, or null to send nothing. Synchronous and never throws. */
export type QueryHandler = (msg: Buffer, client: QueryClient, transport: Transport) => Buffer | null
