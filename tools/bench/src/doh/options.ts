// The DoH bench's command line.
import { InvalidArgumentError } from '@nines/core'
import { parseArgs } from 'node:util'

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

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)

function positive(name: string, text: string | undefined): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`--${name} must be a positive integer, got ${text}`)
  }
  return value
}

function parse(argv: readonly string[]) {
  return parseArgs({
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
  })
}

export function parseOptions(argv: readonly string[]): DohBenchOptions {
  let values: ReturnType<typeof parse>['values']
  try {
    values = parse(argv).values
  } catch (error) {
    // unknown option, missing value: node:util says which
    throw new InvalidArgumentError((error as Error).message, { cause: error })
  }
  const quietSec = Number(values['quiet-seconds'])
  if (!(quietSec >= 0))
    throw new InvalidArgumentError(`--quiet-seconds must be ≥ 0, got ${values['quiet-seconds']}`)
  const cases = list(values.cases)
  for (const name of cases) {
    if (!(caseNames as readonly string[]).includes(name))
      throw new InvalidArgumentError(`--cases: unknown ${name} (one of ${caseNames.join(', ')})`)
  }
  return {
    requests: positive('requests', values.requests),
    maxSeconds: positive('max-seconds', values['max-seconds']),
    rounds: positive('rounds', values.rounds),
    cases,
    clients: positive('clients', values.clients),
    streams: positive('streams', values.streams),
    udp: !values['no-udp'],
    serverCpu: values['server-cpu'],
    clientCpu: values['client-cpu'],
    quietMs: quietSec * 1000,
  }
}
