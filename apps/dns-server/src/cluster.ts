import cluster, { type Worker } from 'node:cluster'
import {
  DnsServer,
  QueryCounters,
  createQueryHandler,
  type AnswerTable,
  type QueryCountersSnapshot,
} from '@nines/dns'
import type { Logger } from '@nines/ops'
import { buildFrom, queryLog, startDaemon, type AnswerInput } from './daemon.js'

export interface ClusterOptions {
  readonly configFile: string
  readonly instance: string
  readonly workers: number
  readonly logger: Logger
}

type ToWorker = { type: 'input'; input: AnswerInput }
type ToPrimary = { type: 'hello' } | { type: 'counters'; counters: QueryCountersSnapshot }

/**
 * `--workers N` with node:cluster: the primary probes and owns health state, the admin API and the
 * ledger; workers only serve, from the inputs the primary sends on every change (each builds its own
 * table), so N workers never multiply probe load. Workers share the DNS sockets through the primary.
 */
export async function runCluster(options: ClusterOptions): Promise<void> {
  if (cluster.isWorker) return runWorker(options)
  cluster.setupPrimary({ serialization: 'advanced' })
  const { logger } = options
  let latest: AnswerInput | undefined
  let stopping = false
  const counters = new Map<number, QueryCountersSnapshot>()
  const send = (worker: Worker | undefined): void => {
    if (worker && latest) worker.send({ type: 'input', input: latest } satisfies ToWorker)
  }
  const daemon = await startDaemon({
    ...options,
    publish: (input) => {
      latest = input
      for (const worker of Object.values(cluster.workers ?? {})) send(worker)
    },
    counters: () => {
      const total = new QueryCounters()
      for (const snapshot of counters.values()) total.add(snapshot)
      return total.snapshot()
    },
  })
  const fork = (): void => {
    const worker = cluster.fork()
    // A worker says hello once it listens for messages; anything sent before that would be lost.
    worker.on('message', (message: ToPrimary) => {
      if (message.type === 'hello') send(worker)
      else counters.set(worker.id, message.counters)
    })
  }
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return
    // Keep what the worker had counted, then replace it: a crashed worker must not shrink capacity.
    logger.error({ worker: worker.id, code, signal }, 'worker exited; starting another')
    fork()
  })
  for (let i = 0; i < options.workers; i++) fork()
  const stop = (signal: string): void => {
    stopping = true
    logger.info({ signal }, 'stopping workers')
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
    void daemon.stop().then(() => process.exit(0))
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}

async function runWorker(options: ClusterOptions): Promise<void> {
  const logger = options.logger.child({ worker: cluster.worker?.id })
  const counters = new QueryCounters()
  let table: AnswerTable | undefined
  let server: DnsServer | undefined
  process.on('message', (message: ToWorker) => {
    if (message.type !== 'input') return
    table = buildFrom(message.input).table
    if (server) return
    const instance = message.input.config.instances[options.instance]!
    const config = message.input.config
    server = new DnsServer({
      handler: createQueryHandler({
        resolver: () => table!,
        maxUdpPayload: instance.dns.maxUdpPayload,
        counters,
        logger,
        ...queryLog(config, logger),
      }),
      logger,
      tcp: instance.dns.tcp,
      rrl: instance.dns.rrl,
    })
    server.listen(instance.dns.listen).then(
      (bound) => logger.info({ dns: bound }, 'worker serving'),
      (error: unknown) => {
        logger.fatal({ error: (error as Error).message }, 'worker cannot listen')
        process.exit(1)
      },
    )
  })
  process.send?.({ type: 'hello' } satisfies ToPrimary)
  const report = setInterval(
    () => process.send?.({ type: 'counters', counters: counters.snapshot() } satisfies ToPrimary),
    1000,
  )
  report.unref()
  process.once('SIGTERM', () => {
    clearInterval(report)
    void (server?.close() ?? Promise.resolve()).then(() => process.exit(0))
  })
}
