// One wrk run (closed loop: -t1 -c64) with wrk's own CPU time, and a parser for its --latency report.
import { spawn } from 'node:child_process'
import { runError } from '../dns/errors.js'

export interface WrkReport {
  readonly requests: number
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** non-2xx/3xx answers plus socket errors (connect, read, write, timeout) */
  readonly errors: number
}

const unitMs: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 }

function durationMs(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '')
  return match ? Number(match[1]) * unitMs[match[2]!]! : Number.NaN
}

/** Reads wrk's summary (NaN where a line is missing). */
export function parseWrk(output: string): WrkReport {
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output)
  return {
    requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? Number.NaN),
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN),
    p50Ms: durationMs(/^\s+50%\s+(\S+)/m.exec(output)?.[1]),
    p99Ms: durationMs(/^\s+99%\s+(\S+)/m.exec(output)?.[1]),
    errors: (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + Number(non2xx?.[1] ?? 0),
  }
}

export interface WrkRun {
  readonly url: string
  readonly seconds: number
  readonly cpu: string
}

export const wrkArgs = (run: WrkRun): string[] => [
  ...['-t1', '-c64', `-d${run.seconds}s`, '--latency', '--timeout', '5s', run.url],
]

// sh reaps wrk, then prints its own /proc stat, whose cutime + cstime are wrk's CPU time.
const wrapper = 'wrk "$@"; s=$?; echo "CHILD_STAT $(cat /proc/$$/stat)"; exit $s'

/** Runs wrk pinned to `cpu`; killed if it outlives its duration by 15 s. */
export async function runWrk(run: WrkRun): Promise<{ report: WrkReport; clientCpuMs: number }> {
  const child = spawn('taskset', ['-c', run.cpu, 'sh', '-c', wrapper, 'sh', ...wrkArgs(run)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const limit = setTimeout(() => child.kill('SIGKILL'), (run.seconds + 15) * 1000)
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', () => resolve())
  })
  clearTimeout(limit)
  const report = parseWrk(output)
  if (child.exitCode !== 0 || !Number.isFinite(report.rps)) {
    throw runError(`wrk ${wrkArgs(run).join(' ')} failed (exit ${child.exitCode}):\n${output}`)
  }
  const stat = /CHILD_STAT .*\)\s(.*)/.exec(output)?.[1]?.split(' ') ?? []
  return { report, clientCpuMs: ((Number(stat[13]) + Number(stat[14])) * 1000) / 100 }
}
