// The DNS bench's expected failures, reported as one line without a stack by main.ts.
import { NinesError } from '@nines/core'

/** Something the bench needs is missing or wrong: a tool, the built daemon, a port, a server's answer. */
export const setupError = (message: string, cause?: unknown) =>
  new NinesError('NINES_ERR_BENCH_SETUP', message, { cause })

/** A load run failed (dnsperf exited with an error or printed no statistics). */
export const runError = (message: string) => new NinesError('NINES_ERR_BENCH_RUN', message)
