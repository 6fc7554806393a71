import { isNinesError } from '@nines/core'
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { ConfigError } from './errors.js'
import { parseConfig } from './parse.js'

const endpoint = z.strictObject({
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  weight: z.number().int().min(0).default(1),
})

const schema = z.strictObject({
  pools: z.record(
    z.string(),
    z.strictObject({
      endpoints: z.array(endpoint).min(1),
      policy: z.enum(['failover', 'weighted', 'locality']).default('failover'),
      panicThreshold: z.number().positive().max(1).default(0.5),
    }),
  ),
  zones: z
    .record(
      z.string(),
      z.strictObject({ ttlSec: z.number().int().min(1), tags: z.array(z.array(z.string())).default([]) }),
    )
    .default({}),
  check: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('http'), path: z.string().startsWith('/') }),
      z.strictObject({ kind: z.literal('tcp') }),
    ])
    .optional(),
  listen: z.union([z.string(), z.strictObject({ host: z.string(), port: z.number() })]).optional(),
  name: z
    .string()
    .refine((name) => name !== 'bad', 'must not be bad')
    .optional(),
})

/** Parses text that must fail and returns the error. */
function failure(text: string, source = 'examples/local.yaml'): ConfigError {
  try {
    parseConfig(text, schema, source)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

/** The message lines of a parse that must fail. */
function lines(text: string): string[] {
  return failure(text).message.split('\n')
}

describe('parseConfig: valid text', () => {
  test('returns the schema output with defaults applied', () => {
    const config = parseConfig(
      'pools:\n  app:\n    endpoints:\n      - { address: 127.0.0.1, port: 8080 }\n',
      schema,
    )
    expect(config).toEqual({
      pools: {
        app: {
          endpoints: [{ address: '127.0.0.1', port: 8080, weight: 1 }],
          policy: 'failover',
          panicThreshold: 0.5,
        },
      },
      zones: {},
    })
  })

  test('YAML anchors and aliases resolve', () => {
    const text = [
      'pools:',
      '  a:',
      '    endpoints: &eps',
      '      - { address: x, port: 1 }',
      '  b:',
      '    endpoints: *eps',
    ].join('\n')
    const config = parseConfig(text, schema)
    expect(config.pools.b?.endpoints).toEqual(config.pools.a?.endpoints)
  })
})

describe('parseConfig: each issue kind names the path, the value and the line', () => {
  const text = [
    /*  1 */ 'pools:',
    /*  2 */ '  app:',
    /*  3 */ '    endpoints:',
    /*  4 */ '      - { address: 127.0.0.1, port: 8080 }',
    /*  5 */ '      - address: 127.0.0.2',
    /*  6 */ '        port: "80"',
    /*  7 */ '      - address: 127.0.0.3',
    /*  8 */ '        prot: 8080',
    /*  9 */ '      - address: ""',
    /* 10 */ '        port: 70000',
    /* 11 */ '        weight: -1',
    /* 12 */ '      - { address: 127.0.0.5, port: 1.5 }',
    /* 13 */ '    policy: random',
    /* 14 */ '    panicThreshold: 0',
    /* 15 */ 'zones:',
    /* 16 */ '  nines.test:',
    /* 17 */ '    ttlSec: 0',
    /* 18 */ '    tags: [[a, b], [c, 1]]',
    /* 19 */ 'check: { kind: dns }',
    /* 20 */ 'listen: { host: x, port: y, extra: 1 }',
    /* 21 */ 'name: bad',
    /* 22 */ 'bogus: 1',
  ].join('\n')

  test('the message lists every issue, one per line, in file order', () => {
    expect(lines(text)).toEqual([
      'examples/local.yaml:6:15 pools.app.endpoints[1].port: expected number, got string "80"',
      'examples/local.yaml:7:9 pools.app.endpoints[2].port: required',
      'examples/local.yaml:8:9 pools.app.endpoints[2]: unknown key "prot" (did you mean "port"?)',
      'examples/local.yaml:9:18 pools.app.endpoints[3].address: expected at least 1 character, got ""',
      'examples/local.yaml:10:15 pools.app.endpoints[3].port: expected 1..65535, got 70000',
      'examples/local.yaml:11:17 pools.app.endpoints[3].weight: expected >= 0, got -1',
      'examples/local.yaml:12:37 pools.app.endpoints[4].port: expected integer, got number 1.5',
      'examples/local.yaml:13:13 pools.app.policy: expected one of failover, weighted, locality, got "random"',
      'examples/local.yaml:14:21 pools.app.panicThreshold: expected > 0 and <= 1, got 0',
      'examples/local.yaml:17:13 zones["nines.test"].ttlSec: expected >= 1, got 0',
      'examples/local.yaml:18:24 zones["nines.test"].tags[1][1]: expected string, got number 1',
      'examples/local.yaml:19:16 check.kind: expected one of http, tcp, got "dns"',
      'examples/local.yaml:20:26 listen.port: expected number, got string "y"',
      'examples/local.yaml:20:29 listen: unknown key "extra"',
      'examples/local.yaml:21:7 name: must not be bad',
      'examples/local.yaml:22:1: unknown key "bogus"',
    ])
  })

  test('issues carry the path, message, line and column as data', () => {
    const error = failure(text)
    expect(error.code).toBe('NINES_ERR_CONFIG_INVALID')
    expect(error.source).toBe('examples/local.yaml')
    expect(error.issues).toContainEqual({
      path: 'pools.app.endpoints[3].port',
      message: 'expected 1..65535, got 70000',
      line: 10,
      column: 15,
    })
    expect(error.issues).toHaveLength(16)
  })

  test('ConfigError is a NinesError with a stable code', () => {
    const error = failure(text)
    expect(isNinesError(error, 'NINES_ERR_CONFIG_INVALID')).toBe(true)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ConfigError')
  })
})

describe('parseConfig: message rewriting', () => {
  const one = (text: string) => {
    const found = lines(text)
    expect(found).toHaveLength(1)
    return found[0] ?? ''
  }
  const pool = (body: string) => `pools:\n  app:\n    endpoints:\n${body}`

  test.each([
    ['a port above the range', pool('      - { address: a, port: 65536 }'), 'expected 1..65535, got 65536'],
    ['a port below the range', pool('      - { address: a, port: 0 }'), 'expected 1..65535, got 0'],
    ['a null value', pool('      - { address: a, port: null }'), 'expected number, got null'],
    ['an empty value', pool('      - address: a\n        port:'), 'expected number, got null'],
    ['an array for a number', pool('      - { address: a, port: [1] }'), 'expected number, got array [1]'],
    ['an empty array', 'pools:\n  app:\n    endpoints: []', 'expected at least 1 item, got 0'],
    [
      'a map instead of a list',
      'pools:\n  app:\n    endpoints: { a: 1 }',
      'expected array, got object {"a":1}',
    ],
    ['a missing discriminator', 'pools: {}\ncheck: { path: / }', 'required, one of http, tcp'],
    [
      'a string format',
      'pools: {}\ncheck: { kind: http, path: x }',
      'expected a string starting with "/", got "x"',
    ],
    ['a union of scalars', 'pools: {}\nlisten: true', 'expected string or object, got boolean true'],
  ])('%s', (_, text, message) => {
    expect(one(text)).toContain(`: ${message}`)
  })

  test('several unknown keys on one object are reported one per line, each at its key', () => {
    const text = 'pools:\n  app:\n    endpoints: []\n    polcy: x\n    endpionts: y\n'
    const error = failure(text)
    expect(error.issues.filter((issue) => issue.message.startsWith('unknown key'))).toEqual([
      { path: 'pools.app', message: 'unknown key "polcy" (did you mean "policy"?)', line: 4, column: 5 },
      {
        path: 'pools.app',
        message: 'unknown key "endpionts" (did you mean "endpoints"?)',
        line: 5,
        column: 5,
      },
    ])
  })

  test('record keys: an invalid key is named at its own line, an unknown enum key gets a suggestion', () => {
    const keyed = z.strictObject({
      zones: z.record(z.string().regex(/\.$/), z.number()),
      regions: z.record(z.enum(['europe', 'asia']), z.number()),
    })
    const text = 'zones:\n  nines.test.: 1\n  nines.test: 2\nregions:\n  europe: 1\n  asia: 2\n  eurpoe: 3\n'
    expect(() => parseConfig(text, keyed, 'k.yaml')).toThrow(
      [
        'k.yaml:3:3 zones: invalid key: expected a string matching /\\.$/, got "nines.test"',
        'k.yaml:7:3 regions: unknown key "eurpoe" (did you mean "europe"?)',
      ].join('\n'),
    )
  })

  test('custom messages from refine, superRefine and checks keep their text', () => {
    const custom = z.strictObject(
      {
        port: z.number().min(1024, 'use an unprivileged port'),
        range: z.object({ lowMs: z.number(), highMs: z.number() }).superRefine((range, ctx) => {
          if (range.lowMs > range.highMs) {
            ctx.addIssue({ code: 'custom', message: 'lowMs exceeds highMs', path: ['lowMs'] })
          }
        }),
      },
      // A message for one issue kind only; the others still get the concise wording.
      { error: (issue) => (issue.code === 'unrecognized_keys' ? 'no extra keys here' : undefined) },
    )
    expect(() => parseConfig('port: 80\nrange: { lowMs: 5, highMs: 1 }\nx: 1', custom, 'c.yaml')).toThrow(
      [
        'c.yaml:1:7 port: use an unprivileged port',
        'c.yaml:2:17 range.lowMs: lowMs exceeds highMs',
        'c.yaml:3:1: no extra keys here',
      ].join('\n'),
    )
  })

  test('long received values are truncated', () => {
    const message = one(pool(`      - { address: a, port: "${'9'.repeat(200)}" }`))
    expect(message).toMatch(/got string "9+…"$/)
    expect(message.slice(message.indexOf('got string ') + 'got string '.length)).toHaveLength(41)
  })

  test('an empty document is a null root', () => {
    expect(failure('').message).toBe('examples/local.yaml: expected object, got null')
  })

  test('the default source is <string>', () => {
    expect(failure('pools: 1', '<string>').message).toBe('<string>:1:8 pools: expected record, got number 1')
    expect(() => parseConfig('pools: 1', schema)).toThrow(/^<string>:1:8 pools: /)
  })
})

describe('parseConfig: YAML errors', () => {
  test('a syntax error names its line and column', () => {
    const error = failure('pools:\n  app: [1, 2\nzones: {}\n', 'bad.yaml')
    expect(error.code).toBe('NINES_ERR_CONFIG_SYNTAX')
    expect(error.issues[0]).toMatchObject({ path: '', line: 3, column: 1 })
    expect(error.message).toMatch(/^bad\.yaml:3:1: Flow sequence .* end with a \]$/)
  })

  test('duplicate keys are rejected, at the second occurrence', () => {
    const error = failure('pools:\n  app:\n    endpoints: []\n  app:\n    endpoints: []\n', 'dup.yaml')
    expect(error.code).toBe('NINES_ERR_CONFIG_SYNTAX')
    expect(error.message).toBe('dup.yaml:4:3: duplicate key "app"')
  })

  test('every syntax error is listed', () => {
    const error = failure('a: 1\na: 2\nb: 1\nb: 2\n')
    expect(error.issues.map((issue) => [issue.message, issue.line])).toEqual([
      ['duplicate key "a"', 2],
      ['duplicate key "b"', 4],
    ])
  })

  test('several documents in one file are rejected', () => {
    const error = failure('pools: {}\n---\npools: {}\n')
    expect(error.code).toBe('NINES_ERR_CONFIG_SYNTAX')
    expect(error.issues[0]?.line).toBe(2)
  })

  test('an alias without its anchor names the alias', () => {
    const error = failure('zones: {}\npools: *missing\n')
    expect(error.code).toBe('NINES_ERR_CONFIG_SYNTAX')
    expect(error.message).toMatch(/^examples\/local\.yaml:2:8: Unresolved alias .*missing$/)
  })
})
