import { describe, expect, it } from 'vitest'
import { adminSchema, logSchema } from './schema.js'

const token = 'abcdefghijklmnop0123'

function issues(result: {
  success: boolean
  error?: { issues: { path: PropertyKey[]; message: string }[] }
}) {
  return (result.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`)
}

describe('adminSchema', () => {
  it('defaults the address to loopback and needs only a port', () => {
    expect(adminSchema.parse({ port: 9153 })).toEqual({ address: '127.0.0.1', port: 9153 })
  })

  it.each([
    [{}, 'port'],
    [{ port: 0 }, 'port'],
    [{ port: 65536 }, 'port'],
    [{ port: 80.5 }, 'port'],
    [{ port: 9153, token: 'short' }, 'token'],
    [{ port: 9153, token: 'has spaces in it, sixteen+' }, 'token'],
    [{ port: 9153, address: 'not-an-address' }, 'address'],
    [{ port: 9153, tokn: token }, ''],
  ])('rejects %j at %s', (input, path) => {
    const result = adminSchema.safeParse(input)
    expect(result.success).toBe(false)
    expect(issues(result).some((issue) => issue.startsWith(`${path}:`))).toBe(true)
  })

  it.each(['0.0.0.0', '::', '192.0.2.10'])('needs a token to listen on %s', (address) => {
    const result = adminSchema.safeParse({ address, port: 9153 })
    expect(result.success).toBe(false)
    expect(issues(result)).toEqual([`token: required when address is not loopback (got ${address})`])
    expect(adminSchema.parse({ address, port: 9153, token })).toEqual({ address, port: 9153, token })
  })

  it.each(['127.0.0.1', '::1', 'localhost'])('needs no token on loopback %s', (address) => {
    expect(adminSchema.safeParse({ address, port: 9153 }).success).toBe(true)
  })
})

describe('logSchema', () => {
  it('defaults to info and no query log', () => {
    expect(logSchema.parse({})).toEqual({ level: 'info', queryLogSample: 0 })
  })

  it.each([{ level: 'verbose' }, { queryLogSample: -0.1 }, { queryLogSample: 1.5 }])(
    'rejects %j',
    (input) => {
      expect(logSchema.safeParse(input).success).toBe(false)
    },
  )

  it('accepts every pino level and a sample share', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      expect(logSchema.parse({ level, queryLogSample: 0.25 })).toEqual({ level, queryLogSample: 0.25 })
    }
  })
})
