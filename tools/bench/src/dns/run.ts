// One whole DNS bench: start every server once, check its answer, run the rotated rounds and the loss
// check, stop everything. Returns the samples; main.ts writes the report.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { median, pinSelf } from '../lib/proc.js'
import { rotated, settleBeforeRun } from '../lib/quiet.js'
import { debianVersions } from '../lib/versions.js'
import { dgramCase } from './case-dgram.js'
import { gdnsdCase } from './case-gdnsd.js'
import { ninesCase } from './case-nines.js'
import { nsdCase } from './case-nsd.js'
import { pdnsLuaCase } from './case-pdns-lua.js'
import { runDnsperf, type Shape } from './dnsperf.js'
import { setupError } from './errors.js'
import type { DnsBenchOptions } from './options.js'
import { freeDnsPort } from './ports.js'
import { foreignCpuMs, foreignDeltaMs, treeCpuMs } from '../lib/proc-tree.js'
import { dnsperfSample, summarize, type DnsBenchResult, type LossCheck, type Sample } from './report-dns.js'
import { onPath, type RunningServer, type ServerCase } from './server-case.js'
import { stopSystemDaemons } from './system-daemons.js'
import { startTargets } from './targets.js'
import { waitForAnswer } from './verify.js'
import { queryName } from './zone.js'

const byName: Readonly<Record<string, ServerCase>> = {
  nines: ninesCase(),
  dgram: dgramCase,
  'pdns-lua': pdnsLuaCase,
  gdnsd: gdnsdCase,
  nsd: nsdCase,
}

interface Target {
  readonly server: RunningServer
  readonly port: number
}

export async function runDnsBench(options: DnsBenchOptions, command: string): Promise<DnsBenchResult> {
  const { seconds, rounds, shapes, clientCpu, serverCpu } = options
  for (const tool of ['dnsperf', 'dig', 'taskset']) {
    if (!onPath(tool))
      throw setupError(`${tool} is not installed (apt-get install -y dnsperf dnsutils util-linux)`)
  }
  const requested = options.cases.map((name) => byName[name]!)
  if (options.workers !== undefined) requested.push(ninesCase(options.workers))
  const skipped: { name: string; reason: string }[] = []
  const cases = requested.filter((serverCase) => {
    const reason = serverCase.unavailable()
    if (reason && !serverCase.optional) throw setupError(`${serverCase.name}: ${reason}`)
    if (reason) {
      console.warn(`skipping ${serverCase.name}: ${reason}`)
      skipped.push({ name: serverCase.name, reason })
    }
    return !reason
  })

  pinSelf(clientCpu) // this process (and what it serves) stays off the servers' CPU
  const notes: string[] = []
  const stillRunning = stopSystemDaemons()
  if (stillRunning.length)
    notes.push(`peer daemons not started by the bench were running: ${stillRunning.join(', ')}.`)

  const dir = mkdtempSync(join(tmpdir(), 'nines-bench-dns-'))
  // Removed on the way out, also on Ctrl-C (after children.ts has killed the servers); kept after an error.
  let keepDir = false
  const removeDir = () => keepDir || rmSync(dir, { recursive: true, force: true })
  process.once('exit', removeDir)
  const queryFile = join(dir, 'queries.txt')
  writeFileSync(queryFile, `${queryName} A\n`)
  const running = new Map<string, Target>()
  const samples: Record<string, Record<string, Sample[]>> = {}
  const loss: LossCheck[] = []
  const foreignPcts: number[] = []

  const measure = async ({ server, port }: Target, shape: Shape, maxQps?: number): Promise<Sample> => {
    const foreignBefore = foreignCpuMs()
    const cpuBefore = treeCpuMs(server.started.pid)
    const startedAt = performance.now()
    const { report, clientCpuMs } = await runDnsperf({ port, queryFile, seconds, shape, clientCpu, maxQps })
    const cpu = treeCpuMs(server.started.pid) - cpuBefore
    const wallMs = performance.now() - startedAt
    const foreignPct = (foreignDeltaMs(foreignBefore, foreignCpuMs()) / wallMs) * 100
    foreignPcts.push(foreignPct)
    return dnsperfSample(report, { serverCpuMs: cpu, clientCpuMs, wallMs, foreignCpuPct: foreignPct })
  }
  const quiet = () => settleBeforeRun(options.quietMs)

  let ok = false
  const targets = await startTargets()
  try {
    if (targets.borrowed.length)
      notes.push(`targets already served by another process: ${targets.borrowed.join(', ')}.`)
    const ports = new Set<number>()
    for (const serverCase of cases) {
      const port = await freeDnsPort(ports)
      ports.add(port)
      console.log(`starting ${serverCase.name} on 127.0.0.1:${port} (CPU ${serverCpu})`)
      const server = await serverCase.start({ dir: join(dir, serverCase.name), port, cpu: serverCpu })
      const wrong = await waitForAnswer(port, shapes)
      if (!wrong) {
        running.set(serverCase.name, { server, port })
        continue
      }
      await server.stop()
      if (!serverCase.optional)
        throw setupError(`${serverCase.name} answers wrong: ${wrong} (log: ${server.logFile})`)
      console.warn(`skipping ${serverCase.name}: ${wrong}`)
      skipped.push({ name: serverCase.name, reason: `wrong answer before measuring (${wrong})` })
    }
    const measured = cases.filter((c) => running.has(c.name))
    for (let round = 0; round < rounds; round++) {
      const order = rotated(measured, round)
      for (const shape of shapes) {
        for (const { name } of order) {
          await quiet()
          const sample = await measure(running.get(name)!, shape)
          ;((samples[shape] ??= {})[name] ??= []).push(sample)
          console.log(
            `round ${round + 1}/${rounds} ${shape} ${name}: ${Math.round(sample.qps)} q/s, ` +
              `${sample.serverCpuUsPerQuery.toFixed(1)} µs/query, lost ${sample.lost}, ` +
              `others ${sample.foreignCpuPct.toFixed(0)} %`,
          )
        }
      }
    }
    const lossTarget = running.get(options.lossCase)
    for (const shape of lossTarget ? shapes : []) {
      const rateQps = median((samples[shape]?.[options.lossCase] ?? []).map((s) => s.qps)) / 2
      await quiet()
      const sample = await measure(lossTarget!, shape, rateQps)
      loss.push({ shape, caseName: options.lossCase, rateQps, sample })
      console.log(
        `loss check ${shape} ${options.lossCase} at ${Math.round(rateQps)} q/s: lost ${sample.lost}`,
      )
    }
    ok = true
  } finally {
    await Promise.all([...running.values()].map(({ server }) => server.stop()))
    await targets.close()
    keepDir = !ok
    if (keepDir) console.error(`server configs and logs kept in ${dir}`)
  }

  if (running.has('dgram') && shapes.includes('ecs')) {
    notes.push(
      'the bare dgram server answers ECS queries without echoing an OPT record, so its answer stays 82 bytes.',
    )
  }
  for (const [shape, byCase] of Object.entries(samples)) {
    for (const [name, list] of Object.entries(byCase)) {
      const { rcodeErrors } = summarize(list)
      if (rcodeErrors) notes.push(`${name} (${shape}): ${rcodeErrors} answers were not NOERROR.`)
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
    seconds,
    rounds,
    serverCpu,
    clientCpu,
    shapes,
    cases: cases.filter((c) => running.has(c.name)).map(({ name, label }) => ({ name, label })),
    skipped,
    samples,
    loss,
    versions: debianVersions(['dnsperf', 'nsd', 'pdns-server', 'gdnsd']),
    notes,
  }
}
