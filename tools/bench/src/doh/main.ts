// DNS over HTTPS throughput and CPU per query: nines-dns vs Knot Resolver (kresd doh2) and dnsdist
// (addDOHLocal), measured with h2load in the same run and written to the `doh` section of
// docs/benchmarks.md.
//
// Usage (from the repo root; needs the Debian packages nghttp2-client (h2load), knot-dnsutils (kdig),
// dnsperf and, for the peers, knot-resolver and dnsdist; a missing peer is skipped with a note):
//   npm run bench:doh -- [--requests 50000] [--max-seconds 30] [--rounds 3] [--cases nines,kresd,dnsdist]
//                        [--clients 10] [--streams 10] [--no-udp] [--server-cpu 0] [--client-cpu 1]
//                        [--quiet-seconds 5]
// (`bench:doh` is `tsc -b tools/bench apps/dns-server && node tools/bench/dist/doh/main.js`.)
//
// Each server is pinned to --server-cpu and single-threaded and serves the one name with a certificate
// from a local CA made for the run; h2load (one thread, --clients TLS connections × --streams HTTP/2
// streams, a closed loop of --requests RFC 8484 GETs; a run longer than --max-seconds fails) is pinned to
// --client-cpu. The case order rotates between rounds. After each nines DoH run, dnsperf sends the same
// number of plain UDP queries to the same process, for context (--no-udp skips it). Servers are checked
// with kdig +https first and stopped on exit, on errors and on Ctrl-C; temp files go to os.tmpdir() and
// are removed after a good run.
import { isNinesError } from '@nines/core'
import { installCleanup } from '../dns/children.js'
import { formatBenchmarks, writeSection } from '../lib/report.js'
import { parseOptions } from './options.js'
import { renderDohSection } from './report-doh.js'
import { runDohBench } from './run.js'

installCleanup()
try {
  const argv = process.argv.slice(2)
  const options = parseOptions(argv)
  const result = await runDohBench(options, `npm run bench:doh${argv.length ? ` -- ${argv.join(' ')}` : ''}`)
  const body = renderDohSection(result)
  await writeSection('doh', body)
  formatBenchmarks()
  console.log(body)
} catch (error) {
  if (!isNinesError(error)) throw error
  console.error(`bench:doh: ${error.message}`)
  process.exitCode = 1
}
