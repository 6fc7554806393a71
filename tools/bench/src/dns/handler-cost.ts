// In-process cost of nines-dns's query path, without sockets: createQueryHandler over the bench's
// zone (`svc.example.test` → 3 A records), one message at a time, for each query shape. It backs the
// per-query handler figures in docs/architecture.md; the socket-level comparison is main.ts.
// Run: npm run bench:dns-handler -- [--queries 1000000] [--rounds 5]   (pin it: taskset -c 0 ...)
import { mathRng } from '@nines/core'
import { QueryCounters, buildAnswers, createQueryHandler, dnsZonesSchema, encodeQuery } from '@nines/dns'
import { poolSchema } from '@nines/health'
import { parseArgs } from 'node:util'
import { median } from '../lib/proc.js'
import { label, origin, queryName, targetAddresses, targetPort } from './zone.js'

const { values } = parseArgs({
  options: { queries: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '5' } },
})
const queries = Number(values.queries)
const rounds = Number(values.rounds)

const { table } = buildAnswers({
  zones: dnsZonesSchema.parse({
    [origin]: {
      ns: [{ name: `ns1.${origin}`, addresses: ['127.0.0.1'] }],
      names: { [label]: { pool: 'svc' } },
    },
  }),
  pools: {
    svc: poolSchema.parse({
      check: { kind: 'tcp' },
      endpoints: targetAddresses.map((address, i) => ({ name: `t${i + 1}`, address, port: targetPort })),
    }),
  },
  localities: [],
  health: () => ({ effective: 'up' }),
  priority: new Map(),
  serial: 1,
  rng: mathRng,
  now: Date.now(),
})
const handler = createQueryHandler({ resolver: () => table, counters: new QueryCounters() })
const client = { address: '127.0.0.1', family: 4 as const, port: 53_000 }
const shapes = {
  plain: encodeQuery({ id: 1, name: queryName, type: 1 }),
  ecs: encodeQuery({ id: 1, name: queryName, type: 1, edns: { ecs: '192.0.2.0/24' } }),
}

for (const [shape, query] of Object.entries(shapes)) {
  let bytes = 0
  const nsPerQuery: number[] = []
  // The first round only warms the JIT up.
  for (let round = 0; round <= rounds; round++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < queries; i++) bytes += handler(query, client, 'udp')?.length ?? 0
    if (round > 0) nsPerQuery.push(Number(process.hrtime.bigint() - start) / queries)
  }
  console.log(
    `${shape}: ${median(nsPerQuery).toFixed(0)} ns per query (median of ${rounds} rounds of ${queries}; ` +
      `per round ${nsPerQuery.map((ns) => ns.toFixed(0)).join(' / ')}; ${bytes / ((rounds + 1) * queries)} bytes each)`,
  )
}
