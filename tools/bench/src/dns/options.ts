// The DNS bench's command line.
import { parseArgs } from 'node:util'
import { list, oneOf, parseFlags, positive, quietMs } from '../lib/cli.js'
import { shapes as allShapes, type Shape } from './dnsperf.js'

export const caseNames = ['nines', 'dgram', 'pdns-lua', 'gdnsd', 'nsd'] as const

export interface DnsBenchOptions {
  readonly seconds: number
  readonly rounds: number
  readonly shapes: readonly Shape[]
  readonly cases: readonly string[]
  /** adds a `nines --workers N` case */
  readonly workers?: number
  readonly serverCpu: string
  readonly clientCpu: string
  /** how long to wait at most, before each run, for other processes to quiet down */
  readonly quietMs: number
  /** the case run again at 50 % of its median q/s to count lost queries */
  readonly lossCase: string
}

export function parseOptions(argv: readonly string[]): DnsBenchOptions {
  const { values } = parseFlags(() =>
    parseArgs({
      args: [...argv],
      options: {
        seconds: { type: 'string', default: '10' },
        rounds: { type: 'string', default: '3' },
        shapes: { type: 'string', default: allShapes.join(',') },
        cases: { type: 'string', default: caseNames.join(',') },
        workers: { type: 'string' },
        'server-cpu': { type: 'string', default: '0' },
        'client-cpu': { type: 'string', default: '1' },
        'quiet-seconds': { type: 'string', default: '5' },
        'loss-case': { type: 'string', default: 'nines' },
      },
    }),
  )
  return {
    seconds: positive('seconds', values.seconds),
    rounds: positive('rounds', values.rounds),
    shapes: list(values.shapes).map((shape) => oneOf('shapes', shape, allShapes)),
    cases: list(values.cases).map((name) => oneOf('cases', name, caseNames)),
    workers: values.workers === undefined ? undefined : positive('workers', values.workers),
    serverCpu: values['server-cpu'],
    clientCpu: values['client-cpu'],
    quietMs: quietMs(values['quiet-seconds']),
    lossCase: oneOf('loss-case', values['loss-case'], caseNames),
  }
}
