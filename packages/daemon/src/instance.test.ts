import { NinesError } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { instanceOf } from './instance.js'
import type { BaseConfig } from './schema.js'

const admin = { address: '127.0.0.1', port: 9301 }
const config = {
  instances: {
    ns1: { admin, stateDir: 'var/ns1', dns: { listen: ['127.0.0.1:5300'] } },
    ns2: { admin, stateDir: 'var/ns2', dns: { listen: ['127.0.0.2:5300'] } },
    edge1: { admin, stateDir: 'var/edge1', edge: { listen: ['127.0.0.1:8080'] } },
  },
} as unknown as BaseConfig & {
  instances: Record<string, { admin: typeof admin; stateDir: string; dns?: object; edge?: object }>
}

const thrown = (run: () => unknown): NinesError => {
  try {
    run()
  } catch (error) {
    if (error instanceof NinesError) return error
    throw error
  }
  throw new Error('expected a NinesError')
}

describe('instanceOf', () => {
  it('returns the entry, with or without a role it has', () => {
    expect(instanceOf(config, 'ns2').stateDir).toBe('var/ns2')
    expect(instanceOf(config, 'edge1', 'edge').edge).toEqual({ listen: ['127.0.0.1:8080'] })
    expect(instanceOf(config, 'ns1', undefined).stateDir).toBe('var/ns1')
  })

  it.each([
    [
      'ns9',
      undefined,
      undefined,
      'NINES_ERR_UNKNOWN_INSTANCE',
      'unknown instance "ns9" (instances: ns1, ns2, edge1)',
    ],
    [
      'edge1',
      'dns',
      'nines-dns',
      'NINES_ERR_INSTANCE_ROLE',
      'instance "edge1" has no dns entry; nines-dns runs instances with one (ns1, ns2)',
    ],
    [
      'ns1',
      'edge',
      undefined,
      'NINES_ERR_INSTANCE_ROLE',
      'instance "ns1" has no edge entry; only instances with one run as edge (edge1)',
    ],
    [
      'ns1',
      'cache',
      'nines-cache',
      'NINES_ERR_INSTANCE_ROLE',
      'instance "ns1" has no cache entry; nines-cache runs instances with one (none in this file)',
    ],
  ])('%s as %s: %s', (name, role, daemon, code, message) => {
    const error = thrown(() => instanceOf(config, name, role, daemon))
    expect([error.code, error.message]).toEqual([code, message])
  })
})
