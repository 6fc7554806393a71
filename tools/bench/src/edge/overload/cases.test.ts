import { describe, expect, it } from 'vitest'
import { sumEjections } from './cases.js'

describe('sumEjections', () => {
  it('adds up every series of nines_edge_ejections_total and nothing else', () => {
    const metrics = [
      '# TYPE nines_edge_ejections_total counter',
      'nines_edge_ejections_total{pool="app",reason="consecutive-gateway-failure",nines_instance="edge1"} 3',
      'nines_edge_ejections_total{pool="app",reason="success-rate",nines_instance="edge1"} 1',
      'nines_edge_endpoints_ejected{pool="app",nines_instance="edge1"} 1',
    ].join('\n')
    expect(sumEjections(metrics)).toBe(4)
    expect(sumEjections('')).toBe(0)
  })
})
