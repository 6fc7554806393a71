import { describe, expect, it } from 'vitest'
import { buildSniTable } from './sni.js'

describe('buildSniTable', () => {
  const table = buildSniTable([
    { serverNames: ['*.nines.test'], value: 'wide' },
    { serverNames: ['*.eu.nines.test', 'api.nines.test'], value: 'eu' },
    { serverNames: [], value: 'default' },
    { serverNames: ['exact.eu.nines.test'], value: 'exact' },
  ])

  it.each([
    ['api.nines.test', 'eu'],
    ['API.Nines.Test.', 'eu'],
    ['exact.eu.nines.test', 'exact'],
    ['x.eu.nines.test', 'eu'],
    ['a.b.eu.nines.test', 'eu'],
    ['www.nines.test', 'wide'],
    ['eu.nines.test', 'wide'],
    ['nines.test', 'default'],
    ['other.example', 'default'],
    ['', 'default'],
    [undefined, 'default'],
  ])('%s → %s', (servername, expected) => {
    expect(table.pick(servername)).toBe(expected)
  })

  it('falls back to the first entry when none is the default', () => {
    const only = buildSniTable([
      { serverNames: ['a.test'], value: 1 },
      { serverNames: ['b.test'], value: 2 },
    ])
    expect(only.pick('c.test')).toBe(1)
    expect(only.pick('b.test')).toBe(2)
  })
})
