// The overload run: slot upstreams of known capacity, then each case in turn offered 0.25× (unloaded),
// 1×, 2× and 3× that capacity open-loop with the class mix, the proxy's RSS sampled all along.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runError, setupError } from '../../dns/errors.js'
import { logTail, onPath, startServer, type RunningServer } from '../../dns/server-case.js'
import { pinSelf, sleep } from '../../lib/proc.js'
import { descendants, foreignCpuMs, foreignDeltaMs, treeCpuMs } from '../../lib/proc-tree.js'
import { listenDrops } from '../../lib/netstat.js'
import { sumRssMb } from '../../lib/rss.js'
import { freeTcpPorts } from '../../lib/tcp-ports.js'
import { machineFacts, versions } from '../facts.js'
import type { EdgeBenchOptions } from '../options.js'
import type { LoadPlan, LoadResult } from './class-load.js'
import { overloadCases } from './cases.js'
import type { OverloadCaseResult, OverloadResult, OverloadStep } from './report-overload.js'
import type { SlotUpstreamStats } from './slot-upstream.js'

const slotScript = fileURLToPath(new URL('./slot-upstream.js', import.meta.url))
const loadScript = fileURLToPath(new URL('./class-load.js', import.meta.url))

/**
 * 2 endpoints × 8 slots × 40 ms = 400 req/s, so 3× is 1,200 req/s. Measured on the shared 2-core VM:
 * the generator and the slot upstream together used about half of CPU 1 at 1,200 req/s (most of it
 * opening connections while a queueing proxy holds ~1,200 requests for up to the deadline), and
 * nines-edge (about 140 µs of CPU per proxied request in the edge bench) needs under a fifth of CPU 0
 * even if it forwarded everything. Twice that left too little room: with other sessions busy, the
 * generator driving one endpoint at 1,200 req/s (3× its own 400) lagged by hundreds of milliseconds.
 */
export const overloadShape = { endpoints: 2, slots: 8, serviceMs: 40, deadlineMs: 1000 } as const
/** Generator timers and the proxies' own timeout checks: an answer this late after the deadline is on time. */
export const graceMs = 50
export const factors = [0.25, 1, 2, 3] as const
const seed = 20261202
/** In flight at most: 3× for a whole deadline (1,200) with a lot of room. */
const maxConnections = 4000

export const capacityOf = (shape: { endpoints: number; slots: number; serviceMs: number }) =>
  (shape.endpoints * shape.slots * 1000) / shape.serviceMs

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
  return (await response.json()) as T
}

async function upstreamStats(ports: readonly number[], reset = false): Promise<SlotUpstreamStats> {
  const all = await Promise.all(
    ports.map((p) => getJson<SlotUpstreamStats>(`http://127.0.0.1:${p}/stats${reset ? '?reset=1' : ''}`)),
  )
  return all.reduce((sum, s) => ({
    served: sum.served + s.served,
    abandoned: sum.abandoned + s.abandoned,
    queued: sum.queued + s.queued,
    busy: sum.busy + s.busy,
    maxQueued: sum.maxQueued + s.maxQueued,
  }))
}

async function startSlotUpstream(dir: string, ports: readonly number[], cpu: string): Promise<RunningServer> {
  const { slots, serviceMs } = overloadShape
  const server = startServer({ dir, port: ports[0]!, cpu }, process.execPath, [
    slotScript,
    String(slots),
    String(serviceMs),
    ...ports.map(String),
  ])
  const deadline = Date.now() + 10_000
  for (const port of ports) {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) })
        await response.arrayBuffer()
        if (response.status === 200) break
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await server.stop()
        throw setupError(
          `slot upstream did not answer on :${port}; ${server.logFile}:\n${logTail(server.logFile)}`,
        )
      }
      await sleep(100)
    }
  }
  return server
}

/** Runs class-load.ts as its own process on the client CPU, killed if it outlives its plan. */
async function runClassLoad(plan: LoadPlan, cpu: string): Promise<LoadResult> {
  const child = spawn('taskset', ['-c', cpu, process.execPath, loadScript, JSON.stringify(plan)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let errors = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk))
  // warm-up and its drain, the step and its drain, start-up margin
  const limitMs = (plan.warmupSeconds + plan.seconds) * 1000 + 2 * (plan.giveUpMs + 2000) + 10_000
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs)
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', () => resolve())
  })
  clearTimeout(limit)
  try {
    return JSON.parse(output) as LoadResult
  } catch {
    throw runError(`class-load at ${plan.rate}/s failed (exit ${child.exitCode}):\n${output}${errors}`)
  }
}

/** Samples the proxy tree's RSS and the upstreams' served count while a step runs. */
function sampler(pid: number, ports: readonly number[]) {
  let peakRssMb = 0
  const served: { t: number; served: number }[] = []
  let busy = false
  const timer = setInterval(() => {
    peakRssMb = Math.max(peakRssMb, sumRssMb(descendants(pid)))
    if (busy) return
    busy = true
    upstreamStats(ports)
      .then((s) => served.push({ t: performance.now(), served: s.served }))
      .catch(() => {})
      .finally(() => (busy = false))
  }, 250)
  return {
    stop() {
      clearInterval(timer)
      peakRssMb = Math.max(peakRssMb, sumRssMb(descendants(pid)))
      // The best rate the upstreams kept up over ≥ 2 s: at 2× and 3× that is their real capacity.
      let best = 0
      for (let i = 0; i < served.length; i++) {
        for (let j = i + 1; j < served.length; j++) {
          const dt = served[j]!.t - served[i]!.t
          if (dt >= 2000) best = Math.max(best, ((served[j]!.served - served[i]!.served) * 1000) / dt)
        }
      }
      return { peakRssMb, servedPerS: best }
    },
  }
}

const unread = (error: unknown) => {
  console.warn(`overload: could not read nines-edge's metrics: ${(error as Error).message}`)
  return Number.NaN
}

export async function runOverload(options: EdgeBenchOptions, command: string): Promise<OverloadResult> {
  const { serverCpu, clientCpu, quick } = options
  if (!onPath('taskset')) throw setupError('taskset is not installed (apt-get install -y util-linux)')
  const warmupSeconds = quick ? 1 : 2
  const seconds = quick ? 3 : 7
  const skipped: OverloadResult['skipped'][number][] = []
  const notes: string[] = []
  const cases = options.overloadCases
    .map((name) => overloadCases[name]!)
    .filter((c) => {
      const reason = c.unavailable()
      if (reason) {
        console.warn(`overload: skipping ${c.name}: ${reason}`)
        skipped.push({ name: c.name, label: c.label, reason })
      }
      return !reason
    })
  pinSelf(clientCpu)
  const capacity = capacityOf(overloadShape)
  const dir = mkdtempSync(join(tmpdir(), 'nines-bench-overload-'))
  let keepDir = false
  process.once('exit', () => keepDir || rmSync(dir, { recursive: true, force: true }))
  const ports = await freeTcpPorts(overloadShape.endpoints + cases.length)
  const upstreamPorts = ports.slice(0, overloadShape.endpoints)
  const upstream = await startSlotUpstream(join(dir, 'upstream'), upstreamPorts, clientCpu)
  const results: OverloadCaseResult[] = []
  let ok = false
  try {
    for (const [i, overloadCase] of cases.entries()) {
      const port = ports[overloadShape.endpoints + i]!
      console.log(`overload: starting ${overloadCase.name} on 127.0.0.1:${port}`)
      let target
      try {
        target = await overloadCase.start({
          dir: join(dir, overloadCase.name),
          port,
          upstreams: upstreamPorts,
          cpu: serverCpu,
          shape: overloadShape,
        })
      } catch (error) {
        const message = (error as Error).message
        console.warn(`overload: skipping ${overloadCase.name}: ${message}`)
        skipped.push({
          name: overloadCase.name,
          label: overloadCase.label,
          reason: `did not start: ${message}`,
        })
        continue
      }
      notes.push(...target.notes.map((note) => `${overloadCase.name}: ${note}`))
      const rssStartMb = sumRssMb(descendants(target.pid))
      const steps: OverloadStep[] = []
      try {
        for (const factor of factors) {
          await upstreamStats(upstreamPorts, true)
          const before = await upstreamStats(upstreamPorts)
          const ejectionsBefore = await target.ejections?.().catch(unread)
          const sampling = sampler(target.pid, upstreamPorts)
          const dropsBefore = listenDrops()
          const foreignBefore = foreignCpuMs()
          const proxyBefore = treeCpuMs(target.pid)
          const startedAt = performance.now()
          const load = await runClassLoad(
            {
              origin: `http://127.0.0.1:${port}`,
              rate: capacity * factor,
              seconds,
              warmupSeconds,
              seed: seed + Math.round(factor * 100),
              deadlineMs: overloadShape.deadlineMs,
              graceMs,
              maxConnections,
              giveUpMs: 5000,
            },
            clientCpu,
          )
          const { peakRssMb, servedPerS } = sampling.stop()
          const wallMs = performance.now() - startedAt
          const proxyCpuPct = ((treeCpuMs(target.pid) - proxyBefore) / wallMs) * 100
          const othersPct = (foreignDeltaMs(foreignBefore, foreignCpuMs()) / wallMs) * 100
          const dropsAfter = listenDrops()
          // Let the upstreams' queues empty before the next step (a plain proxy leaves a backlog).
          const idleBy = Date.now() + 15_000
          let after = await upstreamStats(upstreamPorts)
          while ((after.queued > 0 || after.busy > 0) && Date.now() < idleBy) {
            await sleep(200)
            after = await upstreamStats(upstreamPorts)
          }
          const ejectionsAfter = await target.ejections?.().catch(unread)
          steps.push({
            factor,
            rate: capacity * factor,
            load,
            upstreamServedPerS: servedPerS,
            upstreamMaxQueued: after.maxQueued,
            upstreamAbandoned: after.abandoned - before.abandoned,
            rssPeakMb: peakRssMb,
            proxyCpuPct,
            othersPct,
            listenOverflows: dropsAfter.overflows - dropsBefore.overflows,
            synRetrans: dropsAfter.synRetrans - dropsBefore.synRetrans,
            ejections:
              ejectionsBefore === undefined || ejectionsAfter === undefined
                ? Number.NaN
                : ejectionsAfter - ejectionsBefore,
          })
          const critical = load.classes.find((c) => c.cls === 'critical')
          const share = (c: (typeof load.classes)[number]) =>
            c.requests ? (((c.ok + c.stale) / c.requests) * 100).toFixed(1) : '–'
          console.log(
            `overload ${overloadCase.name} ${factor}× (${Math.round(capacity * factor)} req/s): success ` +
              load.classes.map((c) => `${c.cls} ${share(c)} %`).join(', ') +
              `; critical p99 ${critical?.p99Ms.toFixed(1)} ms; RSS peak ${peakRssMb.toFixed(0)} MB; ` +
              `upstream ${servedPerS.toFixed(0)} served/s, max queue ${after.maxQueued}; ` +
              `generator lag p99 ${load.sendLagP99Ms.toFixed(0)} ms; others ${othersPct.toFixed(0)} %; ` +
              `listen overflows ${dropsAfter.overflows - dropsBefore.overflows}, ` +
              `SYN retransmits ${dropsAfter.synRetrans - dropsBefore.synRetrans}`,
          )
        }
      } finally {
        await target.stop()
      }
      results.push({ name: overloadCase.name, label: overloadCase.label, rssStartMb, steps })
    }
    ok = true
  } finally {
    await upstream.stop()
    keepDir = !ok
    if (keepDir) console.error(`overload configs and logs kept in ${dir}`)
  }
  return {
    command,
    date: new Date().toISOString().slice(0, 10),
    serverCpu,
    clientCpu,
    shape: { ...overloadShape, capacity, graceMs },
    seconds,
    warmupSeconds,
    cases: results,
    skipped,
    notes,
    machine: machineFacts(),
    versions: versions(),
  }
}
