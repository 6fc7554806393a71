// Health-check cost: nines' Monitor vs HAProxy `check inter 1s`, probing the same N local HTTP servers
// in the same run. Usage: npm run bench:health -- [--endpoints 1000] [--seconds 60] [--rounds 1]
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cpuBusyMs, cpuMs, median, peakRssMb, sleep } from '../lib/proc.js'
import { formatBenchmarks, table, writeSection } from '../lib/report.js'
import { verdicts } from './targets.js'

const { values } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '1' },
    'base-port': { type: 'string', default: '21000' },
  },
})
const endpoints = Number(values.endpoints)
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const basePort = Number(values['base-port'])
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const has = (command: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const pinned = (cpu: number) => (has('taskset') ? ['taskset', '-c', String(cpu)] : [])

interface Sample {
  cpuPct: number
  peakRssMb: number
  probesPerSec: number
  /** CPU 0's busy time beyond the checker's own, as a share of it: other engineers' load. */
  otherPct: number
}

function ask<T>(child: ChildProcess, message?: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as T))
    if (message) child.send(message)
  })
}

async function requestsSeen(servers: ChildProcess): Promise<number> {
  return (await ask<{ requests: number }>(servers, 'count')).requests
}

async function runNines(servers: ChildProcess): Promise<Sample> {
  // taskset execs node in place, so the IPC channel (an inherited fd) survives.
  const [cmd, ...args] = [
    ...pinned(0),
    process.execPath,
    // The young generation nines-dns runs with (see docs/operations.md): a third less peak RSS, same CPU.
    '--max-semi-space-size=8',
    here('./monitor-run.js'),
    ...['--count', `${endpoints}`, '--base-port', `${basePort}`, '--seconds', `${seconds}`],
  ]
  const child = spawn(cmd!, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const before = await requestsSeen(servers)
  const result = await ask<{
    cpuMs: number
    cpu0BusyMs: number
    peakRssMb: number
    probes: number
    up: number
    complete: boolean
  }>(child)
  const after = await requestsSeen(servers)
  if (result.up !== endpoints) console.warn(`nines saw only ${result.up}/${endpoints} endpoints up`)
  return {
    cpuPct: (result.cpuMs / (seconds * 1000)) * 100,
    peakRssMb: result.peakRssMb,
    probesPerSec: Math.min(result.probes, after - before) / seconds,
    otherPct: ((result.cpu0BusyMs - result.cpuMs) / (seconds * 1000)) * 100,
  }
}

async function runHaproxy(servers: ChildProcess): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'nines-bench-haproxy-'))
  const serverLines = Array.from(
    { length: endpoints },
    (_, i) => `  server s${i} 127.0.0.1:${basePort + i} check inter 1s`,
  )
  const config = [
    'global',
    '  nbthread 1',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 500ms',
    '  timeout client 5s',
    '  timeout server 5s',
    '  timeout check 500ms',
    // HAProxy refuses to run without a listener; nothing is sent to it.
    'frontend unused',
    `  bind 127.0.0.1:${basePort - 1}`,
    '  default_backend pool',
    'backend pool',
    '  option httpchk GET /health',
    '  http-check expect status 200',
    ...serverLines,
    '',
  ].join('\n')
  writeFileSync(join(dir, 'haproxy.cfg'), config)
  const [cmd, ...args] = [...pinned(0), 'haproxy', '-db', '-f', join(dir, 'haproxy.cfg')]
  const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'inherit'] })
  await sleep(3000) // let every server's first check happen
  const pid = child.pid!
  const cpuBefore = cpuMs(pid)
  const busyBefore = cpuBusyMs(0)
  const before = await requestsSeen(servers)
  await sleep(seconds * 1000)
  const cpuAfter = cpuMs(pid)
  const busy = cpuBusyMs(0) - busyBefore
  const after = await requestsSeen(servers)
  const rss = peakRssMb(pid)
  child.kill('SIGTERM')
  return {
    cpuPct: ((cpuAfter - cpuBefore) / (seconds * 1000)) * 100,
    peakRssMb: rss,
    probesPerSec: (after - before) / seconds,
    otherPct: ((busy - (cpuAfter - cpuBefore)) / (seconds * 1000)) * 100,
  }
}

const serverArgs = ['--count', `${endpoints}`, '--base-port', `${basePort}`]
const servers = fork(here('./servers.js'), serverArgs)
await ask(servers)
const samples: Record<string, Sample[]> = { nines: [], haproxy: [] }
const withHaproxy = has('haproxy')
if (!withHaproxy) console.warn('haproxy is not installed (apt-get install -y haproxy): measuring nines alone')
try {
  for (let round = 0; round < rounds; round++) {
    console.log(`round ${round + 1}/${rounds}: nines`)
    samples.nines!.push(await runNines(servers))
    if (withHaproxy) {
      console.log(`round ${round + 1}/${rounds}: haproxy`)
      samples.haproxy!.push(await runHaproxy(servers))
    }
  }
} finally {
  servers.kill()
}

const summary = (list: Sample[]) => ({
  cpuPct: median(list.map((s) => s.cpuPct)),
  peakRssMb: median(list.map((s) => s.peakRssMb)),
  probesPerSec: median(list.map((s) => s.probesPerSec)),
  perRound: list.map((s) => s.cpuPct.toFixed(1)).join(' / '),
  otherPct: median(list.map((s) => s.otherPct)),
})
const nines = summary(samples.nines!)
const rows: (string | number)[][] = [
  [
    'nines `Monitor` (http, interval 1 s)',
    nines.cpuPct.toFixed(1),
    nines.perRound,
    nines.peakRssMb.toFixed(0),
    nines.probesPerSec.toFixed(0),
    Math.max(0, nines.otherPct).toFixed(1),
  ],
]
const haproxy = withHaproxy ? summary(samples.haproxy!) : undefined
if (haproxy) {
  rows.push([
    'HAProxy 2.6 `check inter 1s` (httpchk)',
    haproxy.cpuPct.toFixed(1),
    haproxy.perRound,
    haproxy.peakRssMb.toFixed(0),
    haproxy.probesPerSec.toFixed(0),
    Math.max(0, haproxy.otherPct).toFixed(1),
  ])
  rows.push([
    'ratio nines / HAProxy',
    (nines.cpuPct / haproxy.cpuPct).toFixed(2),
    '',
    (nines.peakRssMb / haproxy.peakRssMb).toFixed(2),
    '',
    '',
  ])
}
const verdict = table(
  ['target', 'this run', 'verdict'],
  verdicts(nines, haproxy).map((v) => [v.target, v.value, v.met ? 'met' : 'NOT met']),
)
const body = `## Health checks: ${endpoints} HTTP endpoints at a 1 s interval

\`npm run bench:health -- --endpoints ${endpoints} --seconds ${seconds} --rounds ${rounds}\` (${new Date().toISOString().slice(0, 10)}).
${endpoints} \`node:http\` servers on 127.0.0.1 in one process (CPU 1) answer \`GET /health\`; the checker runs alone
on CPU 0 for ${seconds} s per round after its first round. CPU is the checker process's user + system time over the
measured window, as a share of one core; peak RSS is its VmHWM; probes/s is what the servers counted;
"other load on CPU 0" is CPU 0's busy time beyond the checker's own (other processes on this shared machine).
The nines process runs with \`--max-semi-space-size=8\`, as the nines-dns executable does; nines keeps one
connection per endpoint open (\`reuseConnection\`, Envoy's default) where HAProxy connects per check.
Medians of ${rounds} round(s).

${table(['checker', 'CPU % of one core', 'CPU % per round', 'peak RSS MB', 'probes/s', 'other load on CPU 0 %'], rows)}

${verdict}`
await writeSection('health', body)
formatBenchmarks()
console.log(body)
