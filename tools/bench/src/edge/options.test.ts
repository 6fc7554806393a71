import { describe, expect, it } from 'vitest'
import { parseOptions } from './options.js'

describe('edge bench options', () => {
  it('defaults to 3 rounds of 5 s on CPU 0 (server) and 1 (client), every case', () => {
    const options = parseOptions([])
    expect(options).toMatchObject({ seconds: 5, rounds: 3, serverCpu: '0', clientCpu: '1', quick: false })
    expect(options.cases).toEqual(['direct', 'bare', 'haproxy', 'nginx', 'nines', 'nines-w2'])
  })

  it('--quick is one round of 3 s, and explicit values win', () => {
    expect(parseOptions(['--quick'])).toMatchObject({ seconds: 3, rounds: 1, quick: true })
    expect(parseOptions(['--quick', '--rounds', '2'])).toMatchObject({ seconds: 3, rounds: 2 })
  })

  it('always measures direct, the reference of added p99', () => {
    expect(parseOptions(['--cases', 'bare,nginx']).cases).toEqual(['direct', 'bare', 'nginx'])
  })

  it('runs the overload run after the other cases, or only one of the two', () => {
    expect(parseOptions([])).toMatchObject({
      overload: 'with',
      overloadCases: ['nines', 'nines-plain', 'haproxy'],
    })
    expect(parseOptions(['--overload-only']).overload).toBe('only')
    expect(parseOptions(['--no-overload']).overload).toBe('without')
    expect(() => parseOptions(['--overload-only', '--no-overload'])).toThrow(/exclude each other/)
    expect(parseOptions(['--overload-cases', 'haproxy,nines-plain']).overloadCases).toEqual([
      'nines-plain',
      'haproxy',
    ])
    expect(() => parseOptions(['--overload-cases', 'nginx'])).toThrow(/unknown nginx/)
  })

  it('refuses unknown cases and bad numbers', () => {
    expect(() => parseOptions(['--cases', 'envoy'])).toThrow(/unknown envoy/)
    expect(() => parseOptions(['--seconds', '0'])).toThrow(/positive integer/)
    expect(() => parseOptions(['--bogus'])).toThrow()
  })
})
