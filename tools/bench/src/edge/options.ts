// The edge bench's command line.
import { InvalidArgumentError } from '@nines/core'
import { parseArgs } from 'node:util'
import { positive } from '../lib/cli.js'

export const caseNames = ['direct', 'bare', 'haproxy', 'nginx', 'nines', 'nines-w2'] as const
/** The overload run's cases (overload/run.ts), in the order they run. */
export const overloadCaseNames = ['nines', 'nines-plain', 'haproxy'] as const

export interface EdgeBenchOptions {
  readonly seconds: number
  readonly rounds: number
  readonly cases: readonly string[]
  readonly serverCpu: string
  readonly clientCpu: string
  /** how long to wait at most, before each case, for other processes to quiet down */
  readonly quietMs: number
  readonly quick: boolean
  /** give this session's autogroup nice -20 for the run (other sessions' work then gets ~1 % of a core) */
  readonly renice: boolean
  /** run the existing cases, then the overload run (`with`); only one of them (`only`, `without`) */
  readonly overload: 'with' | 'only' | 'without'
  readonly overloadCases: readonly string[]
}

const parse = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      renice: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      cases: { type: 'string', default: caseNames.join(',') },
      'server-cpu': { type: 'string', default: '0' },
      'client-cpu': { type: 'string', default: '1' },
      'quiet-seconds': { type: 'string', default: '1' },
      'overload-only': { type: 'boolean', default: false },
      'no-overload': { type: 'boolean', default: false },
      'overload-cases': { type: 'string', default: overloadCaseNames.join(',') },
    },
  })

/**
 * `--quick` is 1 round of 3 s loads (and a shorter overload run); explicit --seconds / --rounds win over
 * it. `--overload-only` / `--no-overload` run only the overload run / only the other cases.
 */
export function parseOptions(argv: readonly string[]): EdgeBenchOptions {
  let values: ReturnType<typeof parse>['values']
  try {
    values = parse(argv).values
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message, { cause: error })
  }
  const quick = values.quick === true
  const cases = values.cases.split(',').map((name) => name.trim())
  for (const name of cases) {
    if (!(caseNames as readonly string[]).includes(name))
      throw new InvalidArgumentError(`--cases: unknown ${name} (one of ${caseNames.join(', ')})`)
  }
  if (!cases.includes('direct')) cases.unshift('direct') // added p99 is measured against it
  if (values['overload-only'] && values['no-overload'])
    throw new InvalidArgumentError('--overload-only and --no-overload exclude each other')
  const overloadCases = values['overload-cases'].split(',').map((name) => name.trim())
  for (const name of overloadCases) {
    if (!(overloadCaseNames as readonly string[]).includes(name))
      throw new InvalidArgumentError(
        `--overload-cases: unknown ${name} (one of ${overloadCaseNames.join(', ')})`,
      )
  }
  const quietSec = Number(values['quiet-seconds'])
  if (!(quietSec >= 0))
    throw new InvalidArgumentError(`--quiet-seconds must be ≥ 0, got ${values['quiet-seconds']}`)
  return {
    seconds: positive('seconds', values.seconds ?? (quick ? '3' : '5')),
    rounds: positive('rounds', values.rounds ?? (quick ? '1' : '3')),
    cases,
    serverCpu: values['server-cpu'],
    clientCpu: values['client-cpu'],
    quietMs: quietSec * 1000,
    quick,
    renice: values.renice === true,
    overload: values['overload-only'] ? 'only' : values['no-overload'] ? 'without' : 'with',
    overloadCases: overloadCaseNames.filter((name) => overloadCases.includes(name)),
  }
}
