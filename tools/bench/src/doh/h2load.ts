// One h2load run (nghttp2's HTTP/2 load generator) against one DoH server: a closed loop of a fixed
// number of GET requests for one RFC 8484 URL (-n), bounded in seconds too (h2load ignores SIGINT, so a
// run past the limit is killed and fails), with h2load's own CPU time and a parser for its summary.
import { spawn } from 'node:child_process'
import { runError } from '../dns/errors.js'

export interface H2loadReport {
  readonly requests: number
  readonly succeeded: number
  readonly failed: number
  readonly errored: number
  readonly timeout: number
  readonly status2xx: number
  readonly seconds: number
  readonly requestsPerSec: number
  /** response body bytes (the DNS messages) over all requests */
  readonly dataBytes: number
  readonly meanRequestMs: number
}

const units: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000 }

function number(text: string, pattern: RegExp): number {
  const match = pattern.exec(text)
  return match ? Number(match[1]) : Number.NaN
}

/** h2load prints durations as `244us`, `8.69ms`, `3.01s`; in milliseconds. */
export function durationMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text)
  return match ? Number(match[1]) * units[match[2]!]! : Number.NaN
}

/** Reads h2load's summary (NaN where a line is missing, so a failed run cannot pass for zero). */
export function parseH2load(output: string): H2loadReport {
  const finished = /finished in ([\d.]+(?:us|ms|s)), ([\d.]+) req\/s/.exec(output)
  const requestTime = /time for request:\s+\S+\s+\S+\s+(\S+)/.exec(output)?.[1]
  return {
    requests: number(output, /requests: (\d+) total/),
    succeeded: number(output, /(\d+) succeeded/),
    failed: number(output, /(\d+) failed/),
    errored: number(output, /(\d+) errored/),
    timeout: number(output, /(\d+) timeout/),
    status2xx: number(output, /status codes: (\d+) 2xx/),
    seconds: finished ? durationMs(finished[1]!) / 1000 : Number.NaN,
    requestsPerSec: finished ? Number(finished[2]) : Number.NaN,
    dataBytes: number(output, /traffic: .* \(\d+\) headers .*, [\d.]+\w*B \((\d+)\) data/),
    meanRequestMs: requestTime === undefined ? Number.NaN : durationMs(requestTime),
  }
}

export interface H2loadRun {
  readonly url: string
  /** the run ends after this many requests... */
  readonly requests: number
  /** ...and fails if that takes longer than this */
  readonly maxSeconds: number
  /** TLS connections (each an HTTP/2 session, like one app) */
  readonly clients: number
  /** concurrent streams per connection */
  readonly streams: number
  readonly clientCpu?: string
}

export interface H2loadResult {
  readonly report: H2loadReport
  /** h2load's own CPU time, from its parent shell's cutime + cstime */
  readonly clientCpuMs: number
  readonly output: string
}

export function h2loadArgs(run: H2loadRun): string[] {
  return [
    ...['-n', String(run.requests), '-c', String(run.clients), '-m', String(run.streams), '-t', '1'],
    ...['-H', 'accept: application/dns-message'],
    run.url,
  ]
}

// sh reaps h2load and then prints its own /proc stat, whose cutime/cstime are h2load's CPU time.
const wrapper = 'h2load "$@"; s=$?; echo "CHILD_STAT $(cat /proc/$$/stat)"; exit $s'

/** Runs h2load to completion; killed (and failed) after `maxSeconds`. */
export async function runH2load(run: H2loadRun): Promise<H2loadResult> {
  const shell = ['sh', '-c', wrapper, 'sh', ...h2loadArgs(run)]
  const [cmd, ...args] = run.clientCpu === undefined ? shell : ['taskset', '-c', run.clientCpu, ...shell]
  // Its own process group, so that the time bound kills h2load with its shell.
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const closed = new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', () => resolve())
  })
  let output = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  let killed = false
  const limit = setTimeout(() => {
    killed = true
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }, run.maxSeconds * 1000)
  await closed
  clearTimeout(limit)
  const report = parseH2load(output)
  if (killed) throw runError(`h2load did not finish ${run.requests} requests in ${run.maxSeconds} s`)
  if (child.exitCode !== 0 || Number.isNaN(report.succeeded) || Number.isNaN(report.requestsPerSec)) {
    throw runError(`h2load ${h2loadArgs(run).join(' ')} failed (exit ${child.exitCode}):\n${output}`)
  }
  const stat = /CHILD_STAT .*\)\s(.*)/.exec(output)?.[1]?.split(' ') ?? []
  const clientCpuMs = ((Number(stat[13]) + Number(stat[14])) * 1000) / 100
  return { report, clientCpuMs, output }
}
