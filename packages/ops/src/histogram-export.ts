import type { LabelValues, Metric } from 'prom-client'
import type { HistogramSnapshot } from './histogram-counts.js'

export type HistogramSample<L extends string> = readonly [
  labels: LabelValues<L>,
  histogram: HistogramSnapshot,
]

interface ExportedValue {
  metricName: string
  labels: Record<string, string | number>
  value: number
}

/** The series of one histogram, shaped as prom-client's own histograms export them (cumulative buckets). */
export function histogramValues(
  name: string,
  labels: Record<string, string | number>,
  histogram: HistogramSnapshot,
): ExportedValue[] {
  const values: ExportedValue[] = []
  let cumulative = 0
  for (let i = 0; i < histogram.bounds.length; i++) {
    cumulative += histogram.counts[i] ?? 0
    values.push({
      metricName: `${name}_bucket`,
      labels: { ...labels, le: histogram.bounds[i] as number },
      value: cumulative,
    })
  }
  cumulative += histogram.counts[histogram.bounds.length] ?? 0
  values.push(
    { metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative },
    { metricName: `${name}_sum`, labels, value: histogram.sum },
    { metricName: `${name}_count`, labels, value: cumulative },
  )
  return values
}

/**
 * A registry entry that reads histograms only when scraped. prom-client's Registry needs only `name`,
 * `help`, `type`, `aggregator`, `get()` and `reset()` of a metric; its Histogram class has no way to
 * load counts kept elsewhere, so this object stands in for one (the AggregatorRegistry of node:cluster
 * sums it like a native histogram, since the values have the same shape).
 */
export function collectedHistogramMetric<L extends string>(
  name: string,
  help: string,
  read: () => Iterable<HistogramSample<L>>,
): Metric {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: ExportedValue[] = []
      for (const [labels, histogram] of read()) {
        values.push(...histogramValues(name, labels as Record<string, string | number>, histogram))
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values }
    },
    reset() {
      // The counts belong to the code that observes them; a registry reset must not clear them.
    },
  }
  return metric as unknown as Metric
}
