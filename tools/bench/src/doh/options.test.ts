import { describe, expect, it } from 'vitest'
import { parseOptions } from './options.js'

describe('parseOptions (bench:doh)', () => {
  it('has defaults that keep a run short and bounded', () => {
    expect(parseOptions([])).toEqual({
      requests: 50000,
      maxSeconds: 30,
      rounds: 3,
      cases: ['nines', 'kresd', 'dnsdist'],
      clients: 10,
      streams: 10,
      udp: true,
      serverCpu: '0',
      clientCpu: '1',
      quietMs: 5000,
    })
  })

  it('takes cases, bounds and --no-udp', () => {
    const options = parseOptions(['--cases', 'kresd', '--requests', '2000', '--max-seconds', '5', '--no-udp'])
    expect(options).toMatchObject({ cases: ['kresd'], requests: 2000, maxSeconds: 5, udp: false })
  })

  it('names the option and the value it refuses', () => {
    expect(() => parseOptions(['--cases', 'kresd,bind'])).toThrow(
      '--cases: unknown bind (one of nines, kresd, dnsdist)',
    )
    expect(() => parseOptions(['--requests', '0'])).toThrow('--requests must be a positive integer, got 0')
    expect(() => parseOptions(['--quiet-seconds=-1'])).toThrow('--quiet-seconds must be ≥ 0, got -1')
    expect(() => parseOptions(['--bogus'])).toThrow(/bogus/)
  })
})
