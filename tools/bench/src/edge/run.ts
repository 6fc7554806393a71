// One whole edge bench: start the upstreams and every case once, run the interleaved closed-loop rounds
// (wrk), then the open-loop rounds at one common rate, stop everything. main.ts writes the report.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setupError } from '../dns/errors.js'
import { descendants, foreignCpuMs, foreignDeltaMs, treeCpuMs } from '../lib/proc-tree.js'
import { onPath } from '../dns/server-case.js'
import { autogroupNice, setAutogroupNice } from '../lib/autogroup.js'
import { median, pinSelf } from '../lib/proc.js'
import { rotated, settleBeforeRun } from '../lib/quiet.js'
import { sumRssMb } from '../lib/rss.js'
import { freeTcpPorts } from '../lib/tcp-ports.js'
import {
  bareCase,
  directCase,
  haproxyCase,
  nginxCase,
  ninesCase,
  type EdgeCase,
  type EdgeTarget,
} from './cases.js'
import { machineFacts, versions } from './facts.js'
import { runOpenLoop } from './open-loop-run.js'
import type { EdgeBenchOptions } from './options.js'
import {
  loadPath,
  loads,
  openLoopCases,
  type EdgeBenchResult,
  type OpenSample,
  type Sample,
} from './report-edge.js'
import { startUpstreams } from './upstreams.js'
import { runWrk } from './wrk.js'

const warmupSeconds = 1

const byName: Readonly<Record<string, EdgeCase>> = {
  direct: directCase,
  bare: bareCase,
  haproxy: haproxyCase,
  nginx: nginxCase,
  nines: ninesCase(),
  'nines-w2': ninesCase(2),
}

export async function runEdgeBench(options: EdgeBenchOptions, command: string): Promise<EdgeBenchResult> {
  const { seconds, rounds, serverCpu, clientCpu } = options
  for (const tool of ['wrk', 'taskset', 'nginx']) {
    if (!onPath(tool)) throw setupError(`${tool} is not installed (apt-get install -y wrk util-linux nginx)`)
  }
  const skipped: { name: string; label: string; reason: string }[] = []
  const cases = options.cases
    .map((name) => byName[name]!)
    .filter((edgeCase) => {
      const reason = edgeCase.unavailable()
      if (reason) {
        console.warn(`skipping ${edgeCase.name}: ${reason}`)
        skipped.push({ name: edgeCase.name, label: edgeCase.label, reason })
      }
      return !reason
    })
  pinSelf(clientCpu) // this process (and what it serves) stays off the servers' CPU

  const notes: string[] = []
  const niceBefore = autogroupNice()
  if (options.renice && niceBefore !== undefined && setAutogroupNice(-20)) {
    process.once('exit', () => setAutogroupNice(niceBefore))
    notes.push("this run's session had autogroup nice -20 (`--renice`), so other sessions got little CPU.")
  } else if (options.renice) {
    console.warn('could not renice this session (no sched_autogroup, or not root)')
  }

  const dir = mkdtempSync(join(tmpdir(), 'nines-bench-edge-'))
  // Removed on the way out (also on Ctrl-C, after children.ts has killed the servers); kept after an error.
  let keepDir = false
  process.once('exit', () => keepDir || rmSync(dir, { recursive: true, force: true }))
  const ports = await freeTcpPorts(3 + cases.length)
  const upstreamPorts = ports.slice(0, 3)
  const running = new Map<string, EdgeTarget>()
  const samples: EdgeBenchResult['samples'] = { small: {}, large: {} }
  const open: Record<string, OpenSample[]> = {}
  const foreignPcts: number[] = []
  let openRate = Number.NaN
  let openBasis = ''

  const upstream = await startUpstreams(join(dir, 'upstream'), upstreamPorts, clientCpu)
  let ok = false
  try {
    for (const [i, edgeCase] of cases.entries()) {
      const port = ports[3 + i]!
      console.log(`starting ${edgeCase.name} on 127.0.0.1:${port}`)
      const context = { dir: join(dir, edgeCase.name), port, upstreams: upstreamPorts, cpu: serverCpu }
      try {
        running.set(edgeCase.name, await edgeCase.start({ ...context, upstreamServer: upstream }))
      } catch (error) {
        // One case that does not start (a broken build, a peer's config) should not cost the others' figures.
        const reason = `did not start: ${(error as Error).message.split('\n')[0]}`
        console.warn(`skipping ${edgeCase.name}: ${(error as Error).message}`)
        skipped.push({ name: edgeCase.name, label: edgeCase.label, reason })
      }
    }
    const upstreamPid = upstream.started.pid

    const measure = async (t: EdgeTarget, path: string): Promise<Sample> => {
      const foreignBefore = foreignCpuMs()
      const serverBefore = treeCpuMs(t.pid)
      const upstreamBefore = treeCpuMs(upstreamPid)
      const startedAt = performance.now()
      const { report, clientCpuMs } = await runWrk({
        url: `http://127.0.0.1:${t.port}${path}`,
        seconds,
        cpu: clientCpu,
      })
      const wallMs = performance.now() - startedAt
      const serverMs = treeCpuMs(t.pid) - serverBefore
      const foreignPct = (foreignDeltaMs(foreignBefore, foreignCpuMs()) / wallMs) * 100
      foreignPcts.push(foreignPct)
      return {
        rps: report.rps,
        p50Ms: report.p50Ms,
        p99Ms: report.p99Ms,
        errors: report.errors,
        serverCpuUsPerRequest: report.requests ? (serverMs * 1000) / report.requests : Number.NaN,
        serverCpuPct: (serverMs / wallMs) * 100,
        upstreamCpuPct:
          t.pid === upstreamPid ? Number.NaN : ((treeCpuMs(upstreamPid) - upstreamBefore) / wallMs) * 100,
        clientCpuPct: (clientCpuMs / wallMs) * 100,
        foreignCpuPct: foreignPct,
        rssMb: sumRssMb(descendants(t.pid)),
      }
    }

    const measured = cases.map((c) => c.name).filter((name) => running.has(name))
    for (let round = 0; round < rounds; round++) {
      for (const name of rotated(measured, round)) {
        const t = running.get(name)!
        await settleBeforeRun(options.quietMs, 500)
        await runWrk({ url: `http://127.0.0.1:${t.port}/`, seconds: warmupSeconds, cpu: clientCpu })
        for (const load of loads) {
          const sample = await measure(t, loadPath[load])
          ;(samples[load][name] ??= []).push(sample)
          console.log(
            `round ${round + 1}/${rounds} ${load} ${name}: ${Math.round(sample.rps)} req/s, ` +
              `p99 ${sample.p99Ms.toFixed(2)} ms, ${sample.serverCpuUsPerRequest.toFixed(1)} µs/req, ` +
              `RSS ${sample.rssMb.toFixed(0)} MB, others ${sample.foreignCpuPct.toFixed(0)} %`,
          )
        }
      }
    }

    // One rate for all: half of nines-edge's own max small-body rate (bare's when nines-edge is absent).
    const basis = ['nines', 'bare'].find((name) => samples.small[name]?.length)
    if (basis) {
      openBasis = basis
      openRate = median(samples.small[basis]!.map((s) => s.rps)) / 2
      const openCases = measured.filter((name) => openLoopCases.includes(name))
      for (let round = 0; round < rounds; round++) {
        for (const name of rotated(openCases, round)) {
          const t = running.get(name)!
          await settleBeforeRun(options.quietMs, 500)
          const before = treeCpuMs(t.pid)
          const foreignBefore = foreignCpuMs()
          const startedAt = performance.now()
          const result = await runOpenLoop(`http://127.0.0.1:${t.port}/`, openRate, seconds, clientCpu)
          const wallMs = performance.now() - startedAt
          const cpuPct = ((treeCpuMs(t.pid) - before) / wallMs) * 100
          const foreignPct = (foreignDeltaMs(foreignBefore, foreignCpuMs()) / wallMs) * 100
          foreignPcts.push(foreignPct)
          ;(open[name] ??= []).push({ ...result, serverCpuPct: cpuPct, foreignCpuPct: foreignPct })
          console.log(
            `open loop ${round + 1}/${rounds} ${name} at ${Math.round(openRate)} req/s: p50 ${result.p50Ms.toFixed(2)} ` +
              `p99 ${result.p99Ms.toFixed(2)} p99.9 ${result.p999Ms.toFixed(2)} ms, ` +
              `errors ${result.errors + result.non2xx}, unfinished ${result.unfinished}`,
          )
        }
      }
    }
    ok = true
  } finally {
    await Promise.all([...running.values()].map((t) => t.stop()))
    await upstream.stop()
    keepDir = !ok
    if (keepDir) console.error(`configs and logs kept in ${dir}`)
  }

  if (foreignPcts.length) {
    const typical = median(foreignPcts)
    notes.push(
      `other processes on the machine used ${typical.toFixed(0)} % of a core in the median run ` +
        `(max ${Math.max(...foreignPcts).toFixed(0)} %)` +
        // They are not pinned, so they take turns on the proxy's CPU: queues build, tails grow.
        (typical >= 10
          ? '; with that much foreign load, p99 / p99.9 and req/s say more about the machine than about the ' +
            'proxies, and CPU µs/request is the steadiest figure.'
          : '.'),
    )
  }
  return {
    command,
    date: new Date().toISOString().slice(0, 10),
    seconds,
    rounds,
    serverCpu,
    clientCpu,
    cases: cases.filter((c) => running.has(c.name)).map(({ name, label }) => ({ name, label })),
    skipped,
    samples,
    openLoop: openBasis ? { rate: openRate, basis: openBasis, byCase: open } : undefined,
    machine: machineFacts(),
    versions: versions(),
    notes,
  }
}
