// One dnsperf run against one server, with the client's own CPU time, and a parser for its report.
import { spawn } from 'node:child_process'
import { runError } from './errors.js'

/** Query shapes: `plain` sends no EDNS; `ecs` sends EDNS0 with a client-subnet option for 192.0.2.0/24. */
export const shapes = ['plain', 'ecs'] as const
export type Shape = (typeof shapes)[number]

/** ECS (option code 8): family 1 (IPv4), source prefix 24, scope 0, address 192.0.2. */
export const ecsOption = '8:00011800c00002'

export const shapeArgs: Record<Shape, readonly string[]> = {
  plain: [],
  ecs: ['-e', '-E', ecsOption],
}

export interface DnsperfReport {
  readonly sent: number
  readonly completed: number
  readonly lost: number
  readonly noerror: number
  readonly qps: number
  readonly runSec: number
  readonly avgLatencyMs: number
  readonly responseBytes: number
}

function number(text: string, pattern: RegExp): number {
  const match = pattern.exec(text)
  return match ? Number(match[1]) : Number.NaN
}

/** Reads the statistics block dnsperf prints at the end of a run (NaN where a line is missing). */
export function parseDnsperf(output: string): DnsperfReport {
  return {
    sent: number(output, /Queries sent:\s+(\d+)/),
    completed: number(output, /Queries completed:\s+(\d+)/),
    lost: number(output, /Queries lost:\s+(\d+)/),
    noerror: /Response codes:/.test(output) ? number(output, /NOERROR (\d+)/) : 0,
    qps: number(output, /Queries per second:\s+([\d.]+)/),
    runSec: number(output, /Run time \(s\):\s+([\d.]+)/),
    avgLatencyMs: number(output, /Average Latency \(s\):\s+([\d.]+)/) * 1000,
    responseBytes: number(output, /Average packet size:.*response (\d+)/),
  }
}

export interface DnsperfRun {
  readonly port: number
  readonly queryFile: string
  readonly seconds: number
  readonly shape: Shape
  readonly clientCpu?: string
  /** -Q: cap the rate; unbounded when absent */
  readonly maxQps?: number
  /** -n: stop after this many passes over the query file (queries, for a one-line file) */
  readonly maxRuns?: number
}

export interface DnsperfResult {
  readonly report: DnsperfReport
  /** dnsperf's own CPU time, from its parent shell's cutime + cstime */
  readonly clientCpuMs: number
  readonly output: string
}

// sh reaps dnsperf and then prints its own /proc stat, whose cutime/cstime are dnsperf's CPU time.
const wrapper = 'dnsperf "$@"; s=$?; echo "CHILD_STAT $(cat /proc/$$/stat)"; exit $s'

export function dnsperfArgs(run: DnsperfRun): string[] {
  return [
    ...['-s', '127.0.0.1', '-p', String(run.port), '-d', run.queryFile],
    ...['-l', String(run.seconds), '-c', '10'],
    ...(run.maxQps === undefined ? [] : ['-Q', String(Math.max(1, Math.round(run.maxQps)))]),
    ...(run.maxRuns === undefined ? [] : ['-n', String(run.maxRuns)]),
    ...shapeArgs[run.shape],
  ]
}

/** Runs dnsperf to completion; bounded by its own time limit plus its 5 s query timeout and a margin. */
export async function runDnsperf(run: DnsperfRun): Promise<DnsperfResult> {
  const shell = ['sh', '-c', wrapper, 'sh', ...dnsperfArgs(run)]
  const [cmd, ...args] = run.clientCpu === undefined ? shell : ['taskset', '-c', run.clientCpu, ...shell]
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  // Not tracked separately: killAllSync() reaches it as a descendant of this process.
  const closed = new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', () => resolve())
  })
  let output = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const limit = setTimeout(() => child.kill('SIGKILL'), (run.seconds + 30) * 1000)
  await closed
  clearTimeout(limit)
  const report = parseDnsperf(output)
  if (child.exitCode !== 0 || Number.isNaN(report.completed)) {
    throw runError(`dnsperf ${dnsperfArgs(run).join(' ')} failed (exit ${child.exitCode}):\n${output}`)
  }
  const stat = /CHILD_STAT .*\)\s(.*)/.exec(output)?.[1]?.split(' ') ?? []
  const clientCpuMs = ((Number(stat[13]) + Number(stat[14])) * 1000) / 100
  return { report, clientCpuMs, output }
}
