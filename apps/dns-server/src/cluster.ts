import { DnsServer, QueryCounters, type AnswerTable, type QueryCountersSnapshot } from '@nines/dns'
import { WorkerPool, runWorker, type DaemonContext } from '@nines/daemon'
import type { Logger } from '@nines/ops'
import { buildFrom, swappableHandler, type AnswerInput } from './answers.js'
import { dnsInstance, type Config } from './config.js'
import { serverOptions, type Serving } from './service.js'

/**
 * `--workers N` on the primary: it probes and owns health state, the admin API and the ledger; workers
 * only serve, from the inputs it sends on every change (each builds its own table), so N workers never
 * multiply probe load. Workers share the DNS sockets through the primary (node:cluster).
 */
export function clusterServing(ctx: DaemonContext<Config>, workers: number): Serving {
  let reports: readonly unknown[] = []
  const pool = new WorkerPool({
    count: workers,
    logger: ctx.logger,
    onReport: (latest) => (reports = latest),
    onGiveUp: (error) => ctx.fail(error),
  })
  return {
    publish: (input) => pool.publish(input),
    counters: () => {
      const total = new QueryCounters()
      for (const report of reports) total.add(report as QueryCountersSnapshot)
      return total.snapshot()
    },
    serve: async () => {
      await pool.start()
      return { workers }
    },
    stop: () => pool.stop(),
  }
}

/** A worker: builds a table from every input, starts serving on the first one. */
export function runDnsWorker(instance: string, parent: Logger): { stop(): Promise<void> } {
  const logger = parent.child({ component: 'dns' })
  const counters = new QueryCounters()
  let table: AnswerTable | undefined
  let config: Config | undefined
  let server: DnsServer | undefined
  const handler = swappableHandler({
    table: () => table!,
    instance: (c) => dnsInstance(c, instance),
    counters,
    logger,
  })
  runWorker({
    logger,
    report: () => counters.snapshot(),
    onInput: async (message) => {
      const input = message as AnswerInput
      table = buildFrom(input).table
      if (config?.log.queryLogSample !== input.config.log.queryLogSample) handler.use(input.config)
      config = input.config
      if (server) return
      const { dns } = dnsInstance(input.config, instance)
      server = new DnsServer({
        handler: handler.handler,
        logger,
        counters: counters.socket,
        ...serverOptions(dns),
      })
      // TLS servers (DoH, DoT) share their ports through the primary as TCP does (node:cluster).
      logger.info(await server.listenAll(dns), 'worker serving')
    },
  })
  return { stop: async () => await server?.close() }
}
