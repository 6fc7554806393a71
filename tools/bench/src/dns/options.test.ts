import { isNinesError } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { parseOptions } from './options.js'

describe('parseOptions', () => {
  it('defaults to 3 rounds of 10 s, both shapes, nines and every peer', () => {
    expect(parseOptions([])).toEqual({
      seconds: 10,
      rounds: 3,
      shapes: ['plain', 'ecs'],
      cases: ['nines', 'dgram', 'pdns-lua', 'gdnsd', 'nsd'],
      workers: undefined,
      serverCpu: '0',
      clientCpu: '1',
      quietMs: 5000,
      lossCase: 'nines',
    })
  })

  it('reads lists and numbers', () => {
    const options = parseOptions([
      '--seconds',
      '3',
      '--rounds',
      '1',
      '--cases',
      'dgram, nsd',
      '--shapes',
      'ecs',
      '--workers',
      '2',
    ])
    expect(options).toMatchObject({
      seconds: 3,
      rounds: 1,
      cases: ['dgram', 'nsd'],
      shapes: ['ecs'],
      workers: 2,
    })
  })

  it.each([
    ['--seconds', '0'],
    ['--rounds', 'x'],
    ['--cases', 'nines,bind'],
    ['--shapes', 'tcp'],
    ['--quiet-seconds=-1', ''],
    ['--color', ''],
  ])('refuses %s %s with NINES_ERR_INVALID_ARGUMENT', (flag, value) => {
    let caught: unknown
    try {
      parseOptions(value ? [flag, value] : [flag])
    } catch (error) {
      caught = error
    }
    expect(isNinesError(caught, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
    expect((caught as Error).message).toContain(flag.slice(2).split('=')[0])
  })
})
