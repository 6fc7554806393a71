import { describe, expect, it } from 'vitest'
import { descendants, foreignDeltaMs, parseStat, type ProcStat } from './proc-tree.js'

describe('parseStat', () => {
  it('reads ppid and user + system time after a command name with spaces and parentheses', () => {
    const line = '4242 (nsd: (server) 1) S 4200 4200 1 0 -1 4194560 10 0 0 0 150 50 3 4 20 0 1 0 9 0 0'
    expect(parseStat(4242, line)).toEqual({ pid: 4242, ppid: 4200, cpuMs: 2000 })
  })
})

describe('descendants', () => {
  const table = new Map<number, ProcStat>(
    [
      [1, 0],
      [10, 1],
      [11, 10],
      [12, 11],
      [13, 10],
      [20, 1],
    ].map(([pid, ppid]) => [pid!, { pid: pid!, ppid: ppid!, cpuMs: 0 }]),
  )
  it.each([
    { root: 10, expected: [10, 11, 12, 13] },
    { root: 20, expected: [20] },
    { root: 99, expected: [] },
  ])('of $root are $expected', ({ root, expected }) => {
    expect(descendants(root, table).sort((a, b) => a - b)).toEqual(expected)
  })

  it('finds this test process in the live table', () => {
    expect(descendants(process.pid)[0]).toBe(process.pid)
  })
})

describe('foreignDeltaMs', () => {
  it('sums growth of processes present in both snapshots only', () => {
    const before = new Map([
      [1, 100],
      [2, 50],
      [3, 10],
    ])
    const after = new Map([
      [1, 130],
      [2, 50],
      [4, 999],
    ])
    expect(foreignDeltaMs(before, after)).toBe(30)
  })
})
