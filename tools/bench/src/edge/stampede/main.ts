// The cache stampede: N clients ask for one page no cache holds yet, at once, through nines-edge (with and
// without collapsed forwarding), nginx's proxy_cache (with and without proxy_cache_lock) and HAProxy's
// cache, in one run; written to the `edge-stampede` section of docs/benchmarks.md.
//
// Usage (from the repo root; nginx and haproxy are skipped when absent):
//   npm run bench:stampede -- [--clients 200] [--rounds 5] [--delay-ms 100] [--cases nines,nginx-lock,…]
//
// The origin runs in this process and renders a 10 KB page in --delay-ms. Each round asks for a new page,
// so every round starts cold. Nothing here is timed against a target: the origin's count is the figure.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { InvalidArgumentError, isNinesError } from '@nines/core'
import { installCleanup } from '../../dns/children.js'
import { list, parseFlags, positive } from '../../lib/cli.js'
import { formatBenchmarks, table, writeSection } from '../../lib/report.js'
import { freeTcpPorts } from '../../lib/tcp-ports.js'
import { machineFacts, versions } from '../facts.js'
import { pageBytes, runCase, stampedeCases, startOrigin, summarize } from './run.js'

const isRoot = process.getuid?.() === 0

function options(argv: string[]) {
  const { values } = parseFlags(() =>
    parseArgs({
      args: argv,
      options: {
        clients: { type: 'string', default: '200' },
        rounds: { type: 'string', default: '5' },
        'delay-ms': { type: 'string', default: '100' },
        cases: { type: 'string', default: stampedeCases.map((c) => c.name).join(',') },
      },
    }),
  )
  const names = list(values.cases)
  const unknown = names.filter((name) => !stampedeCases.some((c) => c.name === name))
  if (unknown.length > 0) {
    const known = stampedeCases.map((c) => c.name).join(', ')
    throw new InvalidArgumentError(`--cases: unknown ${unknown.join(', ')} (one of ${known})`)
  }
  return {
    clients: positive('clients', values.clients),
    rounds: positive('rounds', values.rounds),
    delayMs: positive('delay-ms', values['delay-ms']),
    cases: stampedeCases.filter((c) => names.includes(c.name)),
  }
}

installCleanup()
try {
  const argv = process.argv.slice(2)
  const { clients, rounds, delayMs, cases } = options(argv)
  const origin = await startOrigin(delayMs)
  const dir = mkdtempSync(join(tmpdir(), 'nines-stampede-'))
  const rows: (string | number)[][] = []
  const skipped: string[] = []
  try {
    for (const stampedeCase of cases) {
      const why = stampedeCase.unavailable()
      if (why !== undefined) {
        skipped.push(`${stampedeCase.label}: ${why}`)
        continue
      }
      const [port] = await freeTcpPorts(1, new Set([origin.port]))
      const input = { dir: join(dir, stampedeCase.name), port: port!, origin: origin.port, root: isRoot }
      const result = await runCase(stampedeCase, input, origin, { clients, rounds })
      const s = summarize(result)
      console.log(
        `${stampedeCase.name}: ${JSON.stringify(result.map((r) => r.atOrigin))} at the origin, ${JSON.stringify(s)}`,
      )
      rows.push([
        stampedeCase.label,
        s.atOrigin,
        result.map((r) => r.atOrigin).join(', '),
        Math.round(s.p50Ms),
        Math.round(s.maxMs),
        s.failed,
      ])
    }
  } finally {
    await origin.close()
  }
  rmSync(dir, { recursive: true, force: true })
  const command = `npm run bench:stampede${argv.length ? ` -- ${argv.join(' ')}` : ''}`
  const v = versions()
  const body = [
    '## Edge cache stampede: collapsed forwarding vs nginx proxy_cache_lock and HAProxy',
    '',
    `Written by \`${command}\` on ${new Date().toISOString().slice(0, 10)}: ${machineFacts().join(', ')}; ` +
      `Node ${v.node}${v.nginx ? `, nginx ${v.nginx}` : ''}${v.haproxy ? `, HAProxy ${v.haproxy}` : ''}.`,
    '',
    `${clients} clients, each on its own open keep-alive connection, ask one proxy at once for a page no cache ` +
      `holds yet; the origin takes ${delayMs} ms to render it (${pageBytes / 1024} KB, \`max-age=60\`). ` +
      `${rounds} rounds per proxy, a new page each. "At the origin" is how many of the ${clients} requests ` +
      'reached it (the median, then every round); times are what the clients waited (medians over rounds).',
    '',
    table(['proxy', 'at the origin', 'each round', 'client p50 ms', 'client max ms', 'failed'], rows),
    '',
    '"Failed" counts every answer but a 200 with the whole page: from nines-edge these are 503s of the ' +
      "pool's admission (`NINES_ERR_SHED`), which queues what is over its limit for at most 100 ms.",
    ...(skipped.length ? ['', `Skipped: ${skipped.join('; ')}.`] : []),
  ].join('\n')
  await writeSection('edge-stampede', body)
  formatBenchmarks()
  console.log(body)
} catch (error) {
  console.error(isNinesError(error) ? error.message : error)
  process.exitCode = 1
}
