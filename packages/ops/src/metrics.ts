import { InvalidArgumentError } from '@nines/core'
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  validateMetricName,
  type LabelValues,
} from 'prom-client'
import { HistogramCounts } from './histogram-counts.js'
import { collectedHistogramMetric, type HistogramSample } from './histogram-export.js'

/** One labelled value read at scrape time. */
export type CollectedSample<L extends string> = readonly [labels: LabelValues<L>, value: number]

/** Reads the current values at scrape time: a bare number for a metric without labels, else samples. */
export type CollectedRead<L extends string> = () => number | Iterable<CollectedSample<L>>

export interface MetricsOptions {
  /** Prepended to every metric name made here, e.g. `nines_dns_`; '' or a valid name ending in `_`. */
  prefix: string
  /** Labels on every series, e.g. `{ nines_instance: 'ns1' }` (`instance` is Prometheus's scrape-target label). */
  defaultLabels?: Record<string, string>
  /** Node's standard `process_*` and `nodejs_*` metrics (unprefixed, so stock dashboards work). */
  processMetrics?: boolean
}

export interface Metrics {
  /** The daemon's own registry; prom-client's global registry is never used. */
  readonly registry: Registry
  readonly prefix: string
  /** The Content-Type of `text()`. */
  readonly contentType: string
  counter<L extends string = string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>
  gauge<L extends string = string>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>
  histogram<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): Histogram<L>
  /** A counter whose values live elsewhere (plain numbers the hot path increments), read only when scraped. */
  collectedCounter<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: CollectedRead<L>,
  ): Counter<L>
  /** A gauge read only when scraped. */
  collectedGauge<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: CollectedRead<L>,
  ): Gauge<L>
  /** A histogram whose counts are `HistogramCounts` (or snapshots of them), read only when scraped. */
  collectedHistogram<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Iterable<HistogramSample<L>>,
  ): void
  /** Shorthand: a new unlabelled `HistogramCounts` registered under `name`. */
  histogramCounts(name: string, help: string, bounds: readonly number[]): HistogramCounts
  /** The Prometheus text exposition of every metric. */
  text(): Promise<string>
}

const prefixPattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*_$/
// Prometheus label names; `__` is reserved and `le` belongs to the buckets.
const labelPattern = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/

/** A per-daemon metrics registry. Names follow `nines_<app>_<name>_<unit>`, counters end in `_total`. */
export function createMetrics({
  prefix,
  defaultLabels = {},
  processMetrics = true,
}: MetricsOptions): Metrics {
  if (prefix !== '' && !prefixPattern.test(prefix)) {
    throw new InvalidArgumentError(`Expected \`prefix\` to be '' or a metric name ending in _, got ${prefix}`)
  }
  const registry = new Registry()
  registry.setDefaultLabels(defaultLabels)
  if (processMetrics) collectDefaultMetrics({ register: registry })

  // prom-client throws plain Errors for bad names and duplicates; callers get one error kind with the name.
  function define<T>(name: string, make: (fullName: string) => T): T {
    const fullName = prefix + name
    try {
      return make(fullName)
    } catch (error) {
      throw new InvalidArgumentError(`metric ${fullName}: ${(error as Error).message}`, { cause: error })
    }
  }

  function collectedHistogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Iterable<HistogramSample<L>>,
  ): void {
    define(name, (fullName) => {
      if (!validateMetricName(fullName)) throw new Error('Invalid metric name')
      const badLabel = labelNames.find((label) => label === 'le' || !labelPattern.test(label))
      if (badLabel !== undefined) throw new Error(`Invalid label name ${badLabel}`)
      registry.registerMetric(collectedHistogramMetric(fullName, help, read))
    })
  }

  return {
    registry,
    prefix,
    contentType: registry.contentType,

    counter: (name, help, labelNames = []) =>
      define(name, (fullName) => new Counter({ name: fullName, help, labelNames, registers: [registry] })),

    gauge: (name, help, labelNames = []) =>
      define(name, (fullName) => new Gauge({ name: fullName, help, labelNames, registers: [registry] })),

    histogram: (name, help, labelNames, buckets) =>
      define(
        name,
        (fullName) =>
          new Histogram({ name: fullName, help, labelNames, buckets: [...buckets], registers: [registry] }),
      ),

    collectedCounter: (name, help, labelNames, read) =>
      define(
        name,
        (fullName) =>
          new Counter({
            name: fullName,
            help,
            labelNames,
            registers: [registry],
            collect() {
              this.reset()
              for (const [labels, value] of samples(read())) this.inc(labels, value)
            },
          }),
      ),

    collectedGauge: (name, help, labelNames, read) =>
      define(
        name,
        (fullName) =>
          new Gauge({
            name: fullName,
            help,
            labelNames,
            registers: [registry],
            collect() {
              this.reset()
              for (const [labels, value] of samples(read())) this.set(labels, value)
            },
          }),
      ),

    collectedHistogram,

    histogramCounts(name, help, bounds) {
      const counts = new HistogramCounts(bounds)
      collectedHistogram(name, help, [], () => [[{}, counts]])
      return counts
    },

    text: () => registry.metrics(),
  }
}

function samples<L extends string>(
  read: number | Iterable<CollectedSample<L>>,
): Iterable<CollectedSample<L>> {
  return typeof read === 'number' ? [[{}, read]] : read
}
