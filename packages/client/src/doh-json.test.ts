import { describe, expect, it } from 'vitest'
import { parseDnsJson } from './doh-json.js'

const question = { name: 'app.nines.test', type: 1 }

describe('parseDnsJson', () => {
  it('reads the Google/Cloudflare shape, names without the trailing dot', () => {
    const reply = parseDnsJson(
      {
        Status: 0,
        TC: false,
        Question: [{ name: 'App.Nines.Test.', type: 1 }],
        Answer: [
          { name: 'app.nines.test.', type: 5, TTL: 30, data: 'edge.nines.test.' },
          { name: 'edge.nines.test.', type: 1, TTL: 20, data: '192.0.2.1' },
        ],
      },
      question,
    )
    expect(reply).toEqual({
      rcode: 0,
      answers: [
        { name: 'app.nines.test', type: 5, ttl: 30, data: 'edge.nines.test' },
        { name: 'edge.nines.test', type: 1, ttl: 20, data: '192.0.2.1' },
      ],
      authority: [],
    })
  })

  it.each([
    [null, /is not an object/],
    [[], /has no numeric Status/],
    [{ Status: '0' }, /has no numeric Status/],
    [{ Status: 0, TC: true }, /truncated/],
    [{ Status: 0, Answer: {} }, /Answer is not an array/],
    [
      { Status: 0, Answer: [{ name: 'a', type: 1, TTL: 1 }] },
      /Answer\[0\] is not \{ name, type, TTL, data \}/,
    ],
    [{ Status: 0, Authority: [7] }, /Authority\[0\]/],
    [
      { Status: 0, Question: [{ name: 'other.test.', type: 1 }] },
      /answers .*other.test.* instead of app.nines.test A/,
    ],
  ])('refuses %j with a clear error', (body, message) => {
    expect(() => parseDnsJson(body, question, 'https://ns1/resolve')).toThrow(message)
    expect(() => parseDnsJson(body, question)).toThrow(
      expect.objectContaining({ code: 'NINES_ERR_BAD_ANSWER' }),
    )
  })
})
