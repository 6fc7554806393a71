// Edge proxying: nines-edge vs a bare node:http + undici forwarder (Node's ceiling), HAProxy and nginx,
// in one run, written to the `edge` section of docs/benchmarks.md.
//
// Usage (from the repo root; needs nginx and wrk, and haproxy for that peer):
//   npm run bench:edge -- [--quick] [--seconds 5] [--rounds 3] [--cases direct,bare,haproxy,nginx,nines,nines-w2]
//                         [--server-cpu 0] [--client-cpu 1] [--quiet-seconds 1] [--renice]
//                         [--overload-only | --no-overload] [--overload-cases nines,nines-plain,haproxy]
// (`bench:edge` builds tools/bench, and apps/edge-router when it exists, then runs this file.)
//
// After those cases comes the overload run (overload/run.ts), written to the `edge-overload` section:
// slot upstreams of known capacity offered 0.25×, 1×, 2× and 3× with a class mix, against nines-edge
// with admission on, nines-edge as a plain proxy and HAProxy with maxconn and a priority queue.
//
// The proxy under test is pinned to --server-cpu; wrk, the open-loop generator and the upstream nginx to
// --client-cpu. nines-edge runs when apps/edge-router/dist/main.js exists and is reported "not built"
// otherwise. Every load is bounded in time; every process started here is stopped on exit, on errors and
// on Ctrl-C (children.ts), and temp files go to os.tmpdir() and are removed after a good run.
// --renice (root, sched_autogroup) gives this session priority over other sessions' work for the run and
// restores it on exit: steadier figures on a shared machine, at the cost of slowing everyone else.
import { isNinesError } from '@nines/core'
import { installCleanup } from '../dns/children.js'
import { formatBenchmarks, writeSection } from '../lib/report.js'
import { parseOptions } from './options.js'
import { renderEdgeSection, targetRows, type EdgeBenchResult } from './report-edge.js'
import { runEdgeBench } from './run.js'
import { graceMs, overloadShape, runOverload } from './overload/run.js'
import { overloadTargetRows, renderOverloadSection, type OverloadResult } from './overload/report-overload.js'

function commands(result: EdgeBenchResult): string[] {
  const { serverCpu: s, clientCpu: c, seconds } = result
  const rate = result.openLoop ? Math.round(result.openLoop.rate) : 'RATE'
  return [
    `taskset -c ${c} nginx -c upstream/nginx.conf -p upstream -e upstream/error.log (upstreams: 3 ports, 1 worker)`,
    `taskset -c ${s} node tools/bench/dist/edge/bare-forwarder.js PORT 127.0.0.1:U1,127.0.0.1:U2,127.0.0.1:U3`,
    `taskset -c ${s} haproxy -db -f haproxy/haproxy.cfg`,
    `taskset -c ${s} nginx -c nginx/nginx.conf -p nginx -e nginx/error.log`,
    `taskset -c ${s} node apps/edge-router/dist/main.js --config nines/nines.yaml --instance edge1 [--workers 2]`,
    `taskset -c ${c} wrk -t1 -c64 -d${seconds}s --latency --timeout 5s http://127.0.0.1:PORT/ (and /large)`,
    `taskset -c ${c} node tools/bench/dist/edge/open-loop.js http://127.0.0.1:PORT/ ${rate} ${seconds} 1`,
  ]
}

function overloadCommands(result: OverloadResult): string[] {
  const { serverCpu: s, clientCpu: c } = result
  const { slots, serviceMs, deadlineMs } = overloadShape
  return [
    `taskset -c ${c} node tools/bench/dist/edge/overload/slot-upstream.js ${slots} ${serviceMs} P1 P2`,
    `taskset -c ${s} node apps/edge-router/dist/main.js --config nines/nines.yaml --instance edge1 (nines, nines-plain)`,
    `taskset -c ${s} haproxy -db -f haproxy/haproxy.cfg`,
    `taskset -c ${c} node tools/bench/dist/edge/overload/class-load.js '{"origin":"http://127.0.0.1:PORT","rate":RATE,` +
      `"seconds":${result.seconds},"warmupSeconds":${result.warmupSeconds},"deadlineMs":${deadlineMs},"graceMs":${graceMs},…}'`,
  ]
}

installCleanup()
try {
  const argv = process.argv.slice(2)
  const options = parseOptions(argv)
  const command = `npm run bench:edge${argv.length ? ` -- ${argv.join(' ')}` : ''}`
  if (options.overload !== 'only') {
    const result = await runEdgeBench(options, command)
    const body = renderEdgeSection(result, commands(result))
    await writeSection('edge', body)
    formatBenchmarks()
    console.log(body)
    console.log('')
    for (const row of targetRows(result)) console.log(`${row.verdict}: ${row.target}: ${row.value}`)
  }
  if (options.overload !== 'without') {
    const result = await runOverload(options, command)
    const body = renderOverloadSection(result, overloadCommands(result))
    await writeSection('edge-overload', body)
    formatBenchmarks()
    console.log(body)
    console.log('')
    for (const row of overloadTargetRows(result)) {
      const values = Object.entries(row.values).map(([name, value]) => `${name} ${value}`)
      console.log(`${row.verdict}: ${row.target}: ${values.join(', ')}`)
    }
  }
} catch (error) {
  if (!isNinesError(error)) throw error
  console.error(`bench:edge: ${error.message}`)
  process.exitCode = 1
}
