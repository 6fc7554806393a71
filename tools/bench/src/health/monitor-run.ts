// One nines monitor probing N endpoints at a 1 s interval; reports its own CPU and peak RSS.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Monitor } from '@nines/health'
import { cpuBusyMs } from '../lib/proc.js'

const { values } = parseArgs({
  options: { count: { type: 'string' }, 'base-port': { type: 'string' }, seconds: { type: 'string' } },
})
const count = Number(values.count ?? 1000)
const basePort = Number(values['base-port'] ?? 21000)
const seconds = Number(values.seconds ?? 60)

const monitor = new Monitor({ observer: 'bench' })
let probes = 0
let failures = 0
monitor.on('probe', (event) => {
  probes++
  if (!event.result.ok) failures++
})
for (let i = 0; i < count; i++) {
  monitor.add({
    endpoint: { address: '127.0.0.1', port: basePort + i },
    check: {
      kind: 'http',
      path: '/health',
      intervalMs: 1000,
      timeoutMs: 500,
      reuseConnection: process.env.REUSE !== '0',
    },
  })
}
monitor.start()
const complete = await monitor.firstRound(10_000)
const cpuStart = process.cpuUsage()
const busyStart = cpuBusyMs(0)
const probesStart = probes
await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
const cpu = process.cpuUsage(cpuStart)
const cpu0BusyMs = cpuBusyMs(0) - busyStart
const memory = process.memoryUsage()
const measuredProbes = probes - probesStart
await monitor.stop()
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
process.send?.({
  complete,
  cpuMs: (cpu.user + cpu.system) / 1000,
  cpu0BusyMs,
  heapMb: memory.heapTotal / 1048576,
  externalMb: memory.external / 1048576,
  peakRssMb: Number(hwm?.[1] ?? Number.NaN) / 1024,
  probes: measuredProbes,
  failures,
  up: monitor.list().filter((s) => s.observed === 'up').length,
})
