import { AggregatorRegistry, register as globalRegistry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { HistogramCounts } from './histogram-counts.js'
import { createMetrics } from './metrics.js'

/** The exposition's sample lines, without HELP/TYPE comments. */
function samples(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))
}

describe('createMetrics', () => {
  it('prefixes names and exposes ordinary counters, gauges and histograms', async () => {
    const metrics = createMetrics({ prefix: 'nines_dns_', processMetrics: false })
    metrics.counter('reloads_total', 'Configuration reloads.', ['result']).inc({ result: 'ok' })
    metrics.gauge('endpoints', 'Endpoints by state.', ['state']).set({ state: 'up' }, 3)
    metrics.histogram('reload_seconds', 'Reload time.', [], [0.1, 1]).observe(0.5)
    const text = await metrics.text()
    expect(text).toContain('# TYPE nines_dns_reloads_total counter')
    expect(samples(text)).toEqual(
      expect.arrayContaining([
        'nines_dns_reloads_total{result="ok"} 1',
        'nines_dns_endpoints{state="up"} 3',
        'nines_dns_reload_seconds_bucket{le="0.1"} 0',
        'nines_dns_reload_seconds_bucket{le="1"} 1',
        'nines_dns_reload_seconds_count 1',
      ]),
    )
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8')
  })

  it('reads collected counters and gauges only when scraped', async () => {
    const metrics = createMetrics({ prefix: 'nines_dns_', processMetrics: false })
    const answers = new Float64Array(2) // what a hot path would increment
    let reads = 0
    metrics.collectedCounter('answers_total', 'Answers by transport.', ['transport'], () => {
      reads++
      return [
        [{ transport: 'udp' }, answers[0] ?? 0],
        [{ transport: 'tcp' }, answers[1] ?? 0],
      ]
    })
    const state = { inFlight: 0 }
    metrics.collectedGauge('tcp_connections', 'Open TCP connections.', [], () => state.inFlight)

    answers[0] = 41
    answers[0]++
    answers[1] = 7
    state.inFlight = 5
    expect(reads).toBe(0)
    const first = samples(await metrics.text())
    expect(reads).toBe(1)
    expect(first).toEqual(
      expect.arrayContaining([
        'nines_dns_answers_total{transport="udp"} 42',
        'nines_dns_answers_total{transport="tcp"} 7',
        'nines_dns_tcp_connections 5',
      ]),
    )

    answers[1] = 9
    state.inFlight = 2
    const second = samples(await metrics.text())
    expect(second).toEqual(
      expect.arrayContaining(['nines_dns_answers_total{transport="tcp"} 9', 'nines_dns_tcp_connections 2']),
    )
    // The values are replaced at each scrape, never added up.
    expect(second).toContain('nines_dns_answers_total{transport="udp"} 42')
  })

  it('drops a collected series that is no longer read', async () => {
    const metrics = createMetrics({ prefix: '', processMetrics: false })
    const pools = new Map([
      ['app', 3],
      ['cms', 1],
    ])
    metrics.collectedGauge('pool_endpoints', 'Endpoints per pool.', ['pool'], () =>
      [...pools].map(([pool, n]) => [{ pool }, n] as const),
    )
    expect(samples(await metrics.text())).toContain('pool_endpoints{pool="cms"} 1')
    pools.delete('cms')
    const text = await metrics.text()
    expect(samples(text)).toEqual(['pool_endpoints{pool="app"} 3'])
  })

  it('exports HistogramCounts as a histogram with cumulative buckets, sum and count', async () => {
    const metrics = createMetrics({ prefix: 'nines_dns_', processMetrics: false })
    const latency = metrics.histogramCounts(
      'answer_seconds',
      'Time to answer a query.',
      [0.0001, 0.001, 0.01],
    )
    for (const seconds of [0.00005, 0.0005, 0.0007, 0.002, 0.5]) latency.observe(seconds)
    const text = await metrics.text()
    expect(text).toContain('# HELP nines_dns_answer_seconds Time to answer a query.')
    expect(text).toContain('# TYPE nines_dns_answer_seconds histogram')
    const lines = samples(text)
    expect(lines.slice(0, 5)).toEqual([
      'nines_dns_answer_seconds_bucket{le="0.0001"} 1',
      'nines_dns_answer_seconds_bucket{le="0.001"} 3',
      'nines_dns_answer_seconds_bucket{le="0.01"} 4',
      'nines_dns_answer_seconds_bucket{le="+Inf"} 5',
      expect.stringMatching(/^nines_dns_answer_seconds_sum 0\.5032/),
    ])
    expect(lines[5]).toBe('nines_dns_answer_seconds_count 5')
    expect(Number(lines[4]?.split(' ')[1])).toBeCloseTo(0.50325, 10)
  })

  it('exports labelled collected histograms, one series set per label set', async () => {
    const metrics = createMetrics({ prefix: 'nines_edge_', processMetrics: false })
    const byClass = { critical: new HistogramCounts([0.1]), sheddable: new HistogramCounts([0.1]) }
    byClass.critical.observe(0.05)
    byClass.sheddable.observe(0.2)
    byClass.sheddable.observe(0.3)
    metrics.collectedHistogram('request_seconds', 'Request time by class.', ['class'], () =>
      Object.entries(byClass).map(([name, counts]) => [{ class: name }, counts] as const),
    )
    expect(samples(await metrics.text())).toEqual(
      expect.arrayContaining([
        'nines_edge_request_seconds_bucket{class="critical",le="0.1"} 1',
        'nines_edge_request_seconds_bucket{class="critical",le="+Inf"} 1',
        'nines_edge_request_seconds_bucket{class="sheddable",le="0.1"} 0',
        'nines_edge_request_seconds_bucket{class="sheddable",le="+Inf"} 2',
        'nines_edge_request_seconds_sum{class="sheddable"} 0.5',
        'nines_edge_request_seconds_count{class="sheddable"} 2',
      ]),
    )
  })

  it('sums collected histograms across registries like node:cluster aggregation does', async () => {
    const workers = [
      createMetrics({ prefix: 'nines_dns_', processMetrics: false }),
      createMetrics({ prefix: 'nines_dns_', processMetrics: false }),
    ]
    workers.forEach((worker, i) => {
      const latency = worker.histogramCounts('answer_seconds', 'Answer time.', [1])
      for (let n = 0; n <= i; n++) latency.observe(0.5 + n)
    })
    const merged = AggregatorRegistry.aggregate(
      await Promise.all(workers.map((w) => w.registry.getMetricsAsJSON())),
    )
    expect(samples(await merged.metrics())).toEqual([
      'nines_dns_answer_seconds_bucket{le="1"} 2',
      'nines_dns_answer_seconds_bucket{le="+Inf"} 3',
      'nines_dns_answer_seconds_sum 2.5',
      'nines_dns_answer_seconds_count 3',
    ])
  })

  it('adds default labels to every series, collected ones included', async () => {
    const metrics = createMetrics({
      prefix: 'nines_dns_',
      defaultLabels: { nines_instance: 'ns1' },
      processMetrics: false,
    })
    metrics.collectedCounter('queries_total', 'Queries.', [], () => 3)
    metrics.histogramCounts('answer_seconds', 'Answer time.', [1]).observe(0.5)
    const lines = samples(await metrics.text())
    expect(lines).toContain('nines_dns_queries_total{nines_instance="ns1"} 3')
    expect(lines).toContain('nines_dns_answer_seconds_bucket{le="1",nines_instance="ns1"} 1')
    expect(lines).toContain('nines_dns_answer_seconds_count{nines_instance="ns1"} 1')
  })

  it('includes process metrics unless turned off, and never uses the global registry', async () => {
    const withProcess = createMetrics({ prefix: 'nines_dns_' })
    const without = createMetrics({ prefix: 'nines_dns_', processMetrics: false })
    withProcess.counter('only_here_total', 'x')
    expect(await withProcess.text()).toMatch(/^process_cpu_user_seconds_total /m)
    expect(await without.text()).not.toContain('process_cpu')
    expect(await globalRegistry.metrics()).not.toContain('only_here_total')
  })

  it('turns bad names, labels and duplicates into InvalidArgumentError naming the metric', () => {
    const metrics = createMetrics({ prefix: 'nines_dns_', processMetrics: false })
    metrics.counter('queries_total', 'Queries.')
    const invalid = expect.objectContaining({ code: 'NINES_ERR_INVALID_ARGUMENT' })
    expect(() => metrics.counter('queries_total', 'Again.')).toThrow(invalid)
    expect(() => metrics.collectedGauge('queries_total', 'Again.', [], () => 1)).toThrow(
      /nines_dns_queries_total/,
    )
    expect(() => metrics.histogramCounts('queries_total', 'Again.', [1])).toThrow(invalid)
    expect(() => metrics.gauge('bad-name', 'x')).toThrow(invalid)
    expect(() => metrics.collectedHistogram('h_seconds', 'x', ['le'], () => [])).toThrow(invalid)
    expect(() => metrics.collectedHistogram('h2_seconds', 'x', ['bad-label'], () => [])).toThrow(invalid)
    expect(() => createMetrics({ prefix: 'nines-dns' })).toThrow(invalid)
    expect(() => createMetrics({ prefix: 'nines_dns' })).toThrow(invalid)
  })
})
