import { describe, expect, test } from 'vitest'
import { formatPath } from './path.js'

describe('formatPath', () => {
  test.each([
    [[], ''],
    [['pools'], 'pools'],
    [['pools', 'app', 'endpoints', 2, 'port'], 'pools.app.endpoints[2].port'],
    [['zones', 'nines.test', 'ttlSec'], 'zones["nines.test"].ttlSec'],
    [['pools', 'edge-a'], 'pools.edge-a'],
    [['ports', '80'], 'ports["80"]'],
    [['a', 'with space'], 'a["with space"]'],
    [['a', 'quo"te'], 'a["quo\\"te"]'],
    [[0, 1], '[0][1]'],
    [['tags', 0, 1], 'tags[0][1]'],
    [['', 'x'], '[""].x'],
  ] as const)('%j → %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected)
  })
})
