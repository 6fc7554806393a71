import type { Endpoint, ProbeResult } from '@nines/core'

/** What a probe needs to know about the endpoint it checks. */
export type ProbeTarget = Pick<Endpoint, 'address' | 'port'> & Partial<Pick<Endpoint, 'host' | 'id'>>

/**
 * A probe reports; it never counts and never throws for an expected failure (refused, timeout, bad
 * status). It must stop its work when `signal` aborts, and then resolve with `detail: 'timeout'`.
 */
export type Probe = (target: ProbeTarget, signal: AbortSignal) => Promise<ProbeResult>
