import { describe, expect, it } from 'vitest'
import { customProbe } from './custom-probe.js'

const target = { address: '127.0.0.1', port: 9 }
const live = () => new AbortController().signal

describe('customProbe', () => {
  it.each([
    [true, { ok: true, detail: 'ok' }],
    [false, { ok: false, detail: 'failed' }],
    [{ ok: true }, { ok: true, detail: 'ok' }],
    [
      { ok: false, detail: 'queue full' },
      { ok: false, detail: 'queue full' },
    ],
    [{ detail: 'no verdict' }, { ok: false, detail: 'no verdict' }],
    [
      { ok: true, detail: 'lag 3s', latencyMs: 12.5 },
      { ok: true, detail: 'lag 3s', latencyMs: 12.5 },
    ],
    [
      { ok: true, detail: 'multi\nline' },
      { ok: true, detail: 'multi line' },
    ],
  ])('%o → %o', async (value, expected) => {
    expect(await customProbe(async () => value)(target, live())).toMatchObject(expected)
  })

  it('turns a throw or a rejection into a failure with the message', async () => {
    const sync = customProbe(() => {
      throw new Error('queue unreachable')
    })
    const coded = customProbe(async () => {
      throw Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' })
    })
    expect(await sync(target, live())).toMatchObject({ ok: false, detail: 'queue unreachable' })
    expect(await coded(target, live())).toMatchObject({ ok: false, detail: 'ECONNREFUSED' })
  })

  it('passes the target and signal, and resolves timeout on abort even if the function ignores it', async () => {
    const controller = new AbortController()
    let seen: unknown
    const probe = customProbe((at, signal) => {
      seen = { at, aborted: signal.aborted }
      return new Promise(() => {})
    })
    const result = probe(target, controller.signal)
    controller.abort()
    expect(await result).toMatchObject({ ok: false, detail: 'timeout' })
    expect(seen).toEqual({ at: target, aborted: false })
  })
})
