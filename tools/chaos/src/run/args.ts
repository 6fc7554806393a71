import { parseArgs } from 'node:util'
import { ALL_FAULT_KINDS, type FaultKind } from '../schedule/index.js'
import { DEFAULT_RATE_PER_SEC } from './run.js'

export interface CliOptions {
  readonly durationMs: number
  readonly seed: number
  readonly ratePerSec: number
  readonly out: string | undefined
  readonly kinds: FaultKind[] | undefined
  readonly help: boolean
}

export const USAGE = `Usage: npm run chaos -- [--duration 5m|300s|300] [--seed N] [--rate N] [--faults kind,…] [--out FILE]

  --duration  how long traffic runs and faults are staged (default 5m; a bare number is seconds)
  --seed      the schedule's seed (default random, printed so a run can be repeated)
  --rate      steady client requests per second, every class (default ${DEFAULT_RATE_PER_SEC}; 3× in the burst)
  --faults    only these fault kinds, each once (default all: ${ALL_FAULT_KINDS.join(', ')})
  --out       the JSON report (default var/chaos/<start time>.json)
Exit code 0 when every target is met, 1 otherwise, 2 on a usage error, 130 when stopped by Ctrl-C.`

/** "5m", "300s", "1500ms", "300" (seconds) → ms. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!match) throw new RangeError(`--duration: expected e.g. 5m, 300s or 300, got "${text}"`)
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
  const ms = Math.round(Number(match[1]) * unit)
  if (ms <= 0) throw new RangeError(`--duration: must be above zero, got "${text}"`)
  return ms
}

function positiveNumber(name: string, text: string): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0)
    throw new RangeError(`--${name}: expected a number above zero, got "${text}"`)
  return n
}

export function parseCli(
  argv: readonly string[],
  randomSeed = () => Math.floor(Math.random() * 2 ** 31),
): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string', default: '5m' },
      seed: { type: 'string' },
      rate: { type: 'string' },
      faults: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  let kinds: FaultKind[] | undefined
  if (values.faults !== undefined) {
    kinds = values.faults.split(',').map((k) => k.trim()) as FaultKind[]
    const unknown = kinds.filter((k) => !ALL_FAULT_KINDS.includes(k))
    if (unknown.length > 0)
      throw new RangeError(`--faults: unknown ${unknown.join(', ')}; known: ${ALL_FAULT_KINDS.join(', ')}`)
  }
  const seed = values.seed === undefined ? randomSeed() : Number(values.seed)
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`--seed: expected an integer >= 0, got "${values.seed}"`)
  return {
    durationMs: parseDuration(values.duration),
    seed,
    ratePerSec: values.rate === undefined ? DEFAULT_RATE_PER_SEC : positiveNumber('rate', values.rate),
    out: values.out,
    kinds,
    help: values.help,
  }
}
