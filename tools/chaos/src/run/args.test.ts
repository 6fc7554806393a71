import { describe, expect, it } from 'vitest'
import { parseCli, parseDuration } from './args.js'

describe('the chaos command line', () => {
  it('reads durations as minutes, seconds, milliseconds or bare seconds', () => {
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('300s')).toBe(300_000)
    expect(parseDuration('20')).toBe(20_000)
    expect(parseDuration('1500ms')).toBe(1_500)
    expect(() => parseDuration('5 minutes')).toThrow(/--duration/)
    expect(() => parseDuration('0')).toThrow(/above zero/)
  })

  it('defaults to five minutes, 40 requests/s and a random seed', () => {
    expect(parseCli([], () => 1234)).toEqual({
      durationMs: 300_000,
      seed: 1234,
      ratePerSec: 40,
      out: undefined,
      kinds: undefined,
      help: false,
    })
  })

  it('takes a seed, a rate, fault kinds and an output file, and refuses what it does not know', () => {
    expect(
      parseCli([
        '--duration',
        '20s',
        '--seed',
        '7',
        '--rate',
        '25',
        '--faults',
        'kill-stack,burst',
        '--out',
        'r.json',
      ]),
    ).toMatchObject({
      durationMs: 20_000,
      seed: 7,
      ratePerSec: 25,
      kinds: ['kill-stack', 'burst'],
      out: 'r.json',
    })
    expect(() => parseCli(['--faults', 'kill-everything'])).toThrow(/unknown kill-everything/)
    expect(() => parseCli(['--seed', '-1'])).toThrow(/--seed/)
    expect(() => parseCli(['--rate', 'fast'])).toThrow(/--rate/)
    expect(() => parseCli(['--bogus'])).toThrow()
  })
})
