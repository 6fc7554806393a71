import { describe, expect, it } from 'vitest'
import { balanceSchema } from './schema.js'

describe('balanceSchema', () => {
  it('fills every default from an empty object', () => {
    expect(balanceSchema.parse({})).toEqual({
      kind: 'p2c',
      boundedLoad: 0.25,
      slowStart: { windowMs: 30_000, minShare: 0.1 },
      locality: { enabled: true, minHealthyShare: 0.5 },
    })
  })

  it.each([
    { input: { kind: 'hash', hashOn: { header: 'X-User' } }, hashOn: { header: 'x-user' } },
    {
      input: { kind: 'hash', hashOn: { cookie: 'session' }, boundedLoad: 0.1 },
      hashOn: { cookie: 'session' },
    },
  ])('accepts hash on $hashOn', ({ input, hashOn }) => {
    expect(balanceSchema.parse(input).hashOn).toEqual(hashOn)
  })

  it.each([
    { name: 'hash without hashOn', input: { kind: 'hash' }, path: 'hashOn', message: 'when kind is hash' },
    {
      name: 'hashOn with p2c',
      input: { hashOn: { header: 'x' } },
      path: 'hashOn',
      message: 'when kind is p2c',
    },
    {
      name: 'both header and cookie',
      input: { kind: 'hash', hashOn: { header: 'x', cookie: 'y' } },
      path: 'hashOn',
      message: '',
    },
    { name: 'unknown kind', input: { kind: 'random' }, path: 'kind', message: '' },
    { name: 'negative ε', input: { boundedLoad: -0.1 }, path: 'boundedLoad', message: '' },
    {
      name: 'share above 1',
      input: { locality: { minHealthyShare: 1.5 } },
      path: 'locality.minHealthyShare',
      message: '',
    },
    {
      name: 'fractional window',
      input: { slowStart: { windowMs: 1.5 } },
      path: 'slowStart.windowMs',
      message: '',
    },
    { name: 'unknown key', input: { slowStartMs: 1000 }, path: '', message: 'slowStartMs' },
  ])('refuses $name', ({ input, path, message }) => {
    const result = balanceSchema.safeParse(input)
    expect(result.success).toBe(false)
    const issue = result.error?.issues[0]
    expect(issue?.path.join('.')).toBe(path)
    expect(issue?.message).toContain(message)
  })
})
