// DNS throughput and CPU per query: nines-dns vs a bare Node dgram server (Node's ceiling), PowerDNS with
// a LUA ifportup record, gdnsd multifo + tcp_connect and NSD, measured with dnsperf in the same run and
// written to the `dns` section of docs/benchmarks.md.
//
// Usage (from the repo root; needs the Debian packages dnsperf, dnsutils and, for the peers, nsd,
// pdns-server + pdns-backend-bind, gdnsd; a missing peer is skipped with a note):
//   npm run bench:dns -- [--seconds 10] [--rounds 3] [--shapes plain,ecs]
//                        [--cases nines,dgram,pdns-lua,gdnsd,nsd] [--workers N]
//                        [--server-cpu 0] [--client-cpu 1] [--quiet-seconds 5] [--loss-case nines]
// (`bench:dns` is `tsc -b tools/bench apps/dns-server && node tools/bench/dist/dns/main.js`: it builds
// the daemon it measures.)
//
// Each server is pinned to --server-cpu and single-threaded; dnsperf (-c 10, unbounded rate) is pinned to
// --client-cpu. Every round runs every case once per query shape (plain: no EDNS; ecs: EDNS0 + ECS), and
// the case order rotates between rounds. Before each run it waits up to --quiet-seconds for other
// processes on the machine to use under 10 % of a core. After the rounds, --loss-case (nines) runs once
// more per shape at 50 % of its median q/s (dnsperf -Q) to count lost queries. --workers N adds a
// `nines --workers N` case, pinned like the others (so on a 2-core machine it shows cluster overhead,
// not scaling). All servers are started once, checked with dig (3 A records, both shapes), and stopped
// on exit, on errors and on Ctrl-C; temp files go to os.tmpdir() and are removed after a good run.
import { isNinesError } from '@nines/core'
import { formatBenchmarks, writeSection } from '../lib/report.js'
import { installCleanup } from './children.js'
import { parseOptions } from './options.js'
import { renderDnsSection } from './report-dns.js'
import { runDnsBench } from './run.js'

installCleanup()
try {
  const argv = process.argv.slice(2)
  const options = parseOptions(argv)
  const result = await runDnsBench(options, `npm run bench:dns${argv.length ? ` -- ${argv.join(' ')}` : ''}`)
  const body = renderDnsSection(result)
  await writeSection('dns', body)
  formatBenchmarks()
  console.log(body)
} catch (error) {
  if (!isNinesError(error)) throw error
  console.error(`bench:dns: ${error.message}`)
  process.exitCode = 1
}
