// Helpers of the whole-stack scenarios (examples/local.yaml on ports of its own, through @nines/chaos).
import type { TrafficSummary, WholeStack } from '@nines/chaos'
import { setTimeout as sleep } from 'node:timers/promises'

export { sleep }

/** Polls `condition` until true (an error counts as false); throws with `what` after `timeoutMs`. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  const holds = async () => {
    try {
      return await condition()
    } catch {
      return false // an admin API slow to answer on a loaded machine: ask again
    }
  }
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await sleep(100)
  }
}

/** The effective state of `pool/endpoint` at each daemon in `instances`. */
export async function statesAt(
  stack: WholeStack,
  instances: readonly string[],
  id: string,
): Promise<string[]> {
  return Promise.all(
    instances.map(
      async (i) => (await stack.endpointStates(i)).find((e) => e.id === id)?.effective ?? 'unknown',
    ),
  )
}

/**
 * Applied top-ups by request id over every running API endpoint (`GET /__nines/topups`): a request id
 * applied twice, on one endpoint or on two, is a duplicate. A killed endpoint's books died with it.
 */
export async function topupLedger(
  stack: WholeStack,
): Promise<{ applied: Map<string, number>; duplicates: string[] }> {
  const applied = new Map<string, number>()
  const endpoints = stack.processes.filter((p) => p.kind === 'endpoint' && p.name !== 'cms' && p.running)
  for (const p of endpoints) {
    const response = await fetch(`http://${p.address}:${p.port}/__nines/topups`, {
      signal: AbortSignal.timeout(2000),
    })
    const { byRequest } = (await response.json()) as { byRequest: Record<string, number> }
    for (const [id, n] of Object.entries(byRequest)) applied.set(id, (applied.get(id) ?? 0) + n)
  }
  return { applied, duplicates: [...applied].filter(([, n]) => n > 1).map(([id]) => id) }
}

/** One line per scenario: requests, failed (by class), the longest outage. */
export function describeSummary(scenario: string, s: TrafficSummary): string {
  const c = s.byClass
  const failures = s.failures.map(
    (f) => `${f.name}:${f.status ?? f.error}${f.edge ? `@${f.edge}` : ''}(${f.ms} ms)`,
  )
  return (
    `${scenario}: ${s.requests} requests, ${s.failed} failed (critical ${c.critical.failed}/${c.critical.requests}, ` +
    `normal ${c.normal.failed}/${c.normal.requests}, sheddable ${c.sheddable.failed}/${c.sheddable.requests}, ` +
    `stale ${c.sheddable.stale + c.normal.stale + c.critical.stale}), longest outage ${s.longestOutageMs} ms` +
    (failures.length > 0 ? ` [${failures.slice(0, 8).join(' ')}${failures.length > 8 ? ' …' : ''}]` : '')
  )
}

/**
 * Back to the healed stack every scenario starts from: every process running, every stack in mode ok,
 * both routers up at both nameservers and every API stack up at both routers.
 */
export async function healAll(stack: WholeStack, timeoutMs = 45_000): Promise<void> {
  for (const p of stack.processes) if (!p.running) await p.start()
  await Promise.all(stack.processes.filter((p) => p.kind === 'endpoint').map((p) => p.mode('ok')))
  const dns = stack.processes.filter((p) => p.kind === 'dns').map((p) => p.name)
  const edges = stack.processes.filter((p) => p.kind === 'edge').map((p) => p.name)
  await until(
    'every router up at every nameserver, every stack up at every router',
    async () => {
      const views = await Promise.all([...dns, ...edges].map((i) => stack.endpointStates(i)))
      return views.every((list) => list.every((e) => e.effective === 'up'))
    },
    timeoutMs,
  )
}
