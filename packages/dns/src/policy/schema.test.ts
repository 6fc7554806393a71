import { describe, expect, it } from 'vitest'
import { policySchema } from './schema.js'

describe('policySchema', () => {
  it('fills every default', () => {
    expect(policySchema.parse({})).toEqual({
      kind: 'all',
      maxAnswers: 8,
      priority: { failback: 'auto', holdMs: 30_000 },
      locality: { enabled: true, minHealthyShare: 0.5, mode: 'only' },
      panicThreshold: 0.5,
      allDown: 'fail-open',
      ttl: { normalSec: 30, degradedSec: 5, recoveringSec: 30 },
    })
  })

  it.each([
    [{ kind: 'weighted' as const }, 1],
    [{ kind: 'all' as const }, 8],
    [{ kind: 'weighted' as const, maxAnswers: 3 }, 3],
    [{ kind: 'all' as const, maxAnswers: 64 }, 64],
  ])('maxAnswers for %j is %i', (input, expected) => {
    expect(policySchema.parse(input).maxAnswers).toBe(expected)
  })

  it('keeps nested defaults when a nested object is partly given', () => {
    const parsed = policySchema.parse({ priority: { failback: 'manual' }, ttl: { normalSec: 60 } })
    expect(parsed.priority).toEqual({ failback: 'manual', holdMs: 30_000 })
    expect(parsed.ttl).toEqual({ normalSec: 60, degradedSec: 5, recoveringSec: 30 })
  })

  it.each([
    [
      { ttl: { normalSec: 10, degradedSec: 20 } },
      'ttl.degradedSec',
      'expected at most normalSec (10), got 20',
    ],
    [{ ttl: { degradedSec: 31 } }, 'ttl.degradedSec', 'expected at most normalSec (30), got 31'],
    [{ maxAnswers: 0 }, 'maxAnswers', undefined],
    [{ maxAnswers: 65 }, 'maxAnswers', undefined],
    [{ panicThreshold: 1.5 }, 'panicThreshold', undefined],
    [{ locality: { minHealthyShare: -0.1 } }, 'locality.minHealthyShare', undefined],
    [{ allDown: 'nxdomain' }, 'allDown', undefined],
    [{ kind: 'random' }, 'kind', undefined],
    [{ priority: { holdMs: -1 } }, 'priority.holdMs', undefined],
    [{ ttl: { recoveringSec: -1 } }, 'ttl.recoveringSec', undefined],
    [{ ttl: { recoveringSec: 1.5 } }, 'ttl.recoveringSec', undefined],
    [{ extra: true }, '', undefined],
  ])('rejects %j at %s', (input, path, message) => {
    const result = policySchema.safeParse(input)
    expect(result.success).toBe(false)
    const issue = result.error?.issues[0]
    expect(issue?.path.join('.')).toBe(path)
    if (message !== undefined) expect(issue?.message).toBe(message)
  })

  it('accepts degradedSec equal to normalSec', () => {
    expect(policySchema.parse({ ttl: { normalSec: 5, degradedSec: 5 } }).ttl).toEqual({
      normalSec: 5,
      degradedSec: 5,
      recoveringSec: 30,
    })
  })
})
