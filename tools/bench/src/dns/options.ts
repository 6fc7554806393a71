// The DNS bench's command line.
import { InvalidArgumentError } from '@nines/core'
import { parseArgs } from 'node:util'
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

function oneOf<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(`--${name}: unknown ${text} (one of ${allowed.join(', ')})`)
  }
  return text as T
}

function parse(argv: readonly string[]) {
  return parseArgs({
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
  })
}

export function parseOptions(argv: readonly string[]): DnsBenchOptions {
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
  return {
    seconds: positive('seconds', values.seconds),
    rounds: positive('rounds', values.rounds),
    shapes: list(values.shapes).map((shape) => oneOf('shapes', shape, allShapes)),
    cases: list(values.cases).map((name) => oneOf('cases', name, caseNames)),
    workers: values.workers === undefined ? undefined : positive('workers', values.workers),
    serverCpu: values['server-cpu'],
    clientCpu: values['client-cpu'],
    quietMs: quietSec * 1000,
    lossCase: oneOf('loss-case', values['loss-case'], caseNames),
  }
}
