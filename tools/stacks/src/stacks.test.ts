import { afterEach, describe, expect, it } from 'vitest'
import { startDemoEndpoint, stacks, type DemoEndpoint, type StackName } from './index.js'

const open: DemoEndpoint[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((endpoint) => endpoint.close()))
})

async function start(stack: StackName): Promise<{ endpoint: DemoEndpoint; crashed: () => boolean }> {
  let crashed = false
  const endpoint = await startDemoEndpoint({
    stack,
    name: `t-${stack}`,
    address: '127.0.0.1',
    port: 0,
    onCrash: () => (crashed = true),
  })
  open.push(endpoint)
  return { endpoint, crashed: () => crashed }
}

const control = (endpoint: DemoEndpoint, query: string) =>
  fetch(`${endpoint.url}/__nines/${query}`, { method: 'POST', signal: AbortSignal.timeout(2000) })

describe.each(Object.keys(stacks) as StackName[])('%s demo endpoint', (stack) => {
  it('answers health and application requests, naming its stack', async () => {
    const { endpoint } = await start(stack)
    const health = await fetch(`${endpoint.url}/health`, { signal: AbortSignal.timeout(2000) })
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', stack, name: `t-${stack}` })
    const app = await fetch(`${endpoint.url}/any/path`, { signal: AbortSignal.timeout(2000) })
    expect(await app.json()).toMatchObject({ stack, path: '/any/path' })
  })

  it('fails with 503, hangs, and recovers when switched', async () => {
    const { endpoint } = await start(stack)
    expect((await control(endpoint, 'mode?set=fail')).status).toBe(200)
    expect((await fetch(`${endpoint.url}/health`, { signal: AbortSignal.timeout(2000) })).status).toBe(503)
    await control(endpoint, 'mode?set=hang')
    await expect(fetch(`${endpoint.url}/health`, { signal: AbortSignal.timeout(300) })).rejects.toThrow()
    await control(endpoint, 'mode?set=slow&delayMs=50')
    expect(endpoint.behaviour).toEqual({ mode: 'slow', delayMs: 50 })
    expect((await fetch(`${endpoint.url}/health`, { signal: AbortSignal.timeout(2000) })).status).toBe(200)
    await control(endpoint, 'mode?set=ok')
    expect((await fetch(`${endpoint.url}/health`, { signal: AbortSignal.timeout(2000) })).status).toBe(200)
  })

  it('rejects bad control requests and reports crash requests', async () => {
    const { endpoint, crashed } = await start(stack)
    expect((await control(endpoint, 'mode?set=explode')).status).toBe(400)
    expect(
      (await fetch(`${endpoint.url}/__nines/mode?set=ok`, { signal: AbortSignal.timeout(2000) })).status,
    ).toBe(405)
    expect((await control(endpoint, 'crash')).status).toBe(202)
    await expect.poll(crashed, { timeout: 2000 }).toBe(true)
  })
})
