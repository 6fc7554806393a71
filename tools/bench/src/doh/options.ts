// The DoH bench's command line.
import { parseArgs } from 'node:util'
import { list, oneOf, parseFlags, positive, quietMs } from '../lib/cli.js'

export const caseNames = ['nines', 'kresd', 'dnsdist'] as const

export interface DohBenchOptions {
  /** h2load requests per run (closed loop) */
  readonly requests: number
  /** a run that takes longer fails */
  readonly maxSeconds: number
  readonly rounds: number
  readonly cases: readonly string[]
  /** TLS connections h2load opens */
  readonly clients: number
  /** concurrent HTTP/2 streams per connection */
  readonly streams: number
  /** also measure nines' plain DNS over UDP (dnsperf) in each round, for context */
  readonly udp: boolean
  readonly serverCpu: string
  readonly clientCpu: string
  /** how long to wait at most, before each run, for other processes to quiet down */
  readonly quietMs: number
}

export function parseOptions(argv: readonly string[]): DohBenchOptions {
  const { values } = parseFlags(() =>
    parseArgs({
      args: [...argv],
      options: {
        requests: { type: 'string', default: '50000' },
        'max-seconds': { type: 'string', default: '30' },
        rounds: { type: 'string', default: '3' },
        cases: { type: 'string', default: caseNames.join(',') },
        clients: { type: 'string', default: '10' },
        streams: { type: 'string', default: '10' },
        'no-udp': { type: 'boolean', default: false },
        'server-cpu': { type: 'string', default: '0' },
        'client-cpu': { type: 'string', default: '1' },
        'quiet-seconds': { type: 'string', default: '5' },
      },
    }),
  )
  return {
    requests: positive('requests', values.requests),
    maxSeconds: positive('max-seconds', values['max-seconds']),
    rounds: positive('rounds', values.rounds),
    cases: list(values.cases).map((name) => oneOf('cases', name, caseNames)),
    clients: positive('clients', values.clients),
    streams: positive('streams', values.streams),
    udp: !values['no-udp'],
    serverCpu: values['server-cpu'],
    clientCpu: values['client-cpu'],
    quietMs: quietMs(values['quiet-seconds']),
  }
}
