// One whole DoH bench: make a local CA, start every server once on its own DoH port, check its answer
// with kdig, run the rotated rounds (and nines' UDP figure in each round), stop everything. Returns the
// samples; main.ts writes the report.
import { ensureLocalCertificates } from '@nines/local-stack'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runDnsperf } from '../dns/dnsperf.js'
import { setupError } from '../dns/errors.js'
import { freeDnsPort } from '../dns/ports.js'
import { dnsperfSample, type Sample as UdpSample } from '../dns/report-dns.js'
import { onPath, type RunningServer } from '../dns/server-case.js'
import { startTargets } from '../dns/targets.js'
import { queryName } from '../dns/zone.js'
import { median, pinSelf } from '../lib/proc.js'
import { rotated, settleBeforeRun } from '../lib/quiet.js'
import { debianVersions } from '../lib/versions.js'
import { foreignCpuMs, foreignDeltaMs, treeCpuMs } from '../lib/proc-tree.js'
import { dnsdistCase } from './case-dnsdist.js'
import { kresdCase } from './case-kresd.js'
import { ninesDohCase } from './case-nines.js'
import { runH2load } from './h2load.js'
import type { DohBenchOptions } from './options.js'
import { dohGetUrl } from './query.js'
import type { DohBenchResult, DohSample } from './report-doh.js'
import type { DohServerCase } from './server-case.js'
import { waitForDohAnswer } from './verify.js'

/** The 3 A records without EDNS, as every server should answer the bench's query. */
const plainAnswerBytes = 82

const byName: Readonly<Record<string, DohServerCase>> = {
  nines: ninesDohCase,
  kresd: kresdCase,
  dnsdist: dnsdistCase,
}

interface Target {
  readonly server: RunningServer
  readonly port: number
  readonly dnsPort: number
}

export async function runDohBench(options: DohBenchOptions, command: string): Promise<DohBenchResult> {
  const { requests, maxSeconds, clientCpu, serverCpu } = options
  for (const tool of ['h2load', 'kdig', 'taskset', ...(options.udp ? ['dnsperf'] : [])]) {
    if (!onPath(tool))
      throw setupError(`${tool} is not installed (apt-get install -y nghttp2-client knot-dnsutils dnsperf)`)
  }
  const skipped: { name: string; reason: string }[] = []
  const cases = options.cases
    .map((name) => byName[name]!)
    .filter((serverCase) => {
      const reason = serverCase.unavailable()
      if (reason && !serverCase.optional) throw setupError(`${serverCase.name}: ${reason}`)
      if (reason) {
        console.warn(`skipping ${serverCase.name}: ${reason}`)
        skipped.push({ name: serverCase.name, reason })
      }
      return !reason
    })

  pinSelf(clientCpu)
  const notes: string[] = []
  const dir = mkdtempSync(join(tmpdir(), 'nines-bench-doh-'))
  let keepDir = false
  const removeDir = () => keepDir || rmSync(dir, { recursive: true, force: true })
  process.once('exit', removeDir)
  // One local CA for the run; every server gets the same leaf for 127.0.0.1.
  const certificates = await ensureLocalCertificates(dir, [
    { name: 'bench', address: '127.0.0.1', host: 'bench.nines.test' },
  ])
  const tls = certificates.servers.bench!
  const queryFile = join(dir, 'queries.txt')
  writeFileSync(queryFile, `${queryName} A\n`)
  const running = new Map<string, Target>()
  const samples: Record<string, DohSample[]> = {}
  const udp: UdpSample[] = []
  const foreignPcts: number[] = []

  const measureDoh = async ({ server, port }: Target): Promise<DohSample> => {
    const foreignBefore = foreignCpuMs()
    const cpuBefore = treeCpuMs(server.started.pid)
    const startedAt = performance.now()
    const { report, clientCpuMs } = await runH2load({
      url: dohGetUrl(port),
      requests,
      maxSeconds,
      clients: options.clients,
      streams: options.streams,
      clientCpu,
    })
    const cpu = treeCpuMs(server.started.pid) - cpuBefore
    const wallMs = performance.now() - startedAt
    const foreignPct = (foreignDeltaMs(foreignBefore, foreignCpuMs()) / wallMs) * 100
    foreignPcts.push(foreignPct)
    const answered = report.status2xx
    return {
      rps: report.requestsPerSec,
      requests: report.requests,
      succeeded: answered,
      failed: report.requests - answered,
      meanRequestMs: report.meanRequestMs,
      responseBytes: answered ? report.dataBytes / answered : Number.NaN,
      serverCpuUsPerQuery: answered ? (cpu * 1000) / answered : Number.NaN,
      serverCpuPct: (cpu / (report.seconds * 1000)) * 100,
      clientCpuPct: (clientCpuMs / wallMs) * 100,
      foreignCpuPct: foreignPct,
    }
  }

  const measureUdp = async ({ server, dnsPort }: Target): Promise<UdpSample> => {
    const foreignBefore = foreignCpuMs()
    const cpuBefore = treeCpuMs(server.started.pid)
    const startedAt = performance.now()
    const { report, clientCpuMs } = await runDnsperf({
      port: dnsPort,
      queryFile,
      seconds: maxSeconds,
      shape: 'plain',
      clientCpu,
      maxRuns: requests,
    })
    const cpu = treeCpuMs(server.started.pid) - cpuBefore
    const wallMs = performance.now() - startedAt
    const foreignCpuPct = (foreignDeltaMs(foreignBefore, foreignCpuMs()) / wallMs) * 100
    return dnsperfSample(report, { serverCpuMs: cpu, clientCpuMs, wallMs, foreignCpuPct })
  }

  const quiet = () => settleBeforeRun(options.quietMs)

  let ok = false
  const targets = await startTargets()
  try {
    if (targets.borrowed.length)
      notes.push(`targets already served by another process: ${targets.borrowed.join(', ')}.`)
    const ports = new Set<number>()
    const freePort = async () => {
      const port = await freeDnsPort(ports)
      ports.add(port)
      return port
    }
    for (const serverCase of cases) {
      const port = await freePort()
      const dnsPort = await freePort()
      console.log(`starting ${serverCase.name} with DoH on 127.0.0.1:${port} (CPU ${serverCpu})`)
      const server = await serverCase.start({
        dir: join(dir, serverCase.name),
        port,
        dnsPort,
        tls,
        cpu: serverCpu,
      })
      const wrong = await waitForDohAnswer(port, certificates.caFile)
      if (!wrong) {
        running.set(serverCase.name, { server, port, dnsPort })
        continue
      }
      await server.stop()
      if (!serverCase.optional)
        throw setupError(`${serverCase.name} answers wrong over DoH: ${wrong} (log: ${server.logFile})`)
      console.warn(`skipping ${serverCase.name}: ${wrong}`)
      skipped.push({ name: serverCase.name, reason: `wrong DoH answer before measuring (${wrong})` })
    }
    const measured = cases.filter((c) => running.has(c.name))
    for (let round = 0; round < options.rounds; round++) {
      const order = rotated(measured, round)
      for (const serverCase of order) {
        const target = running.get(serverCase.name)!
        await quiet()
        const sample = await measureDoh(target)
        ;(samples[serverCase.name] ??= []).push(sample)
        console.log(
          `round ${round + 1}/${options.rounds} ${serverCase.name}: ${Math.round(sample.rps)} req/s, ` +
            `${sample.serverCpuUsPerQuery.toFixed(1)} µs/query, failed ${sample.failed}, ` +
            `others ${sample.foreignCpuPct.toFixed(0)} %`,
        )
        if (options.udp && serverCase.udpContext) {
          await quiet()
          const udpSample = await measureUdp(target)
          udp.push(udpSample)
          console.log(
            `round ${round + 1}/${options.rounds} ${serverCase.name} UDP: ${Math.round(udpSample.qps)} q/s, ` +
              `${udpSample.serverCpuUsPerQuery.toFixed(1)} µs/query, lost ${udpSample.lost}`,
          )
        }
      }
    }
    ok = true
  } finally {
    await Promise.all([...running.values()].map(({ server }) => server.stop()))
    await targets.close()
    keepDir = !ok
    if (keepDir) console.error(`server configs and logs kept in ${dir}`)
  }

  for (const [name, list] of Object.entries(samples)) {
    const failed = list.reduce((sum, s) => sum + s.failed, 0)
    if (failed) notes.push(`${name}: ${failed} requests were not answered with a 2xx.`)
    const bytes = median(list.map((s) => s.responseBytes))
    if (Math.round(bytes) !== plainAnswerBytes) {
      notes.push(
        `${name}'s answers are ${bytes.toFixed(0)} bytes, not ${plainAnswerBytes}` +
          (name === 'dnsdist'
            ? ': dnsdist adds an EDNS OPT record to a DoH query that has none, and its answer keeps it.'
            : '.'),
      )
    }
  }
  if (foreignPcts.length) {
    notes.push(
      `other processes on the machine used ${median(foreignPcts).toFixed(0)} % of a core in the median run ` +
        `(max ${Math.max(...foreignPcts).toFixed(0)} %).`,
    )
  }
  return {
    command,
    date: new Date().toISOString().slice(0, 10),
    requests,
    rounds: options.rounds,
    clients: options.clients,
    streams: options.streams,
    serverCpu,
    clientCpu,
    cases: cases.filter((c) => running.has(c.name)).map(({ name, label }) => ({ name, label })),
    skipped,
    samples,
    udp,
    versions: debianVersions(['nghttp2-client', 'knot-resolver', 'dnsdist', 'dnsperf']),
    notes,
  }
}
