import { describe, expect, it } from 'vitest'
import { shortenLogLine } from './log-line.js'

describe('shortenLogLine', () => {
  it.each([
    {
      line: '{"level":30,"time":"2025-01-01T00:00:00.000Z","pid":7,"hostname":"h","name":"nines-dns","instance":"ns1","msg":"listening","address":"127.0.0.1:5300"}',
      short: 'info  listening address=127.0.0.1:5300',
    },
    {
      line: '{"level":40,"msg":"endpoint down","pool":"app","endpoint":"b","reason":"connect ECONNREFUSED 127.0.0.12:8080"}',
      short: 'warn  endpoint down pool=app endpoint=b reason="connect ECONNREFUSED 127.0.0.12:8080"',
    },
    {
      line: '{"level":50,"msg":"reload failed","err":{"type":"Error","message":"bad port","stack":"Error: bad port\\n at x"}}',
      short: 'error reload failed err="bad port"',
    },
    { line: '{"level":35,"msg":"custom","ok":true,"n":3}', short: '35    custom ok=true n=3' },
    { line: '{"level":"info","msg":"labels"}', short: 'info  labels' },
    {
      line: '{"msg":"demo endpoint listening","stack":"hono","name":"b","url":"http://127.0.0.12:8080"}',
      short: 'demo endpoint listening stack=hono url=http://127.0.0.12:8080',
    },
    {
      line: '{"msg":"nested","state":{"observed":"up","forced":null}}',
      short: 'nested state={"observed":"up","forced":null}',
    },
    {
      line: 'cannot listen on 127.0.0.12:8080: EADDRINUSE',
      short: 'cannot listen on 127.0.0.12:8080: EADDRINUSE',
    },
    { line: '{not json', short: '{not json' },
    { line: '{"a":1} trailing', short: '{"a":1} trailing' },
    { line: '', short: '' },
  ])('$line', ({ line, short }) => {
    expect(shortenLogLine(line)).toBe(short)
  })

  it('cuts long values', () => {
    const line = JSON.stringify({ msg: 'big', list: Array.from({ length: 100 }, (_, i) => i) })
    const short = shortenLogLine(line)
    expect(short.startsWith('big list=[0,1,2')).toBe(true)
    expect(short.endsWith('…')).toBe(true)
    expect(short.length).toBeLessThan(line.length)
  })
})
