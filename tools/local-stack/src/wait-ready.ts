import { setTimeout as sleep } from 'node:timers/promises'

export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs: number
  /** Between rounds of requests. Default 200. */
  intervalMs?: number
  /** Stops waiting early (the stack is stopping). */
  signal?: AbortSignal
}

const requestTimeoutMs = 1000

/**
 * Polls each URL with GET until it answers 200. Returns the URLs that never did: empty when all are
 * ready, all those still pending when the time ran out or `signal` aborted.
 */
export async function waitUntilReady(
  urls: readonly string[],
  { timeoutMs, intervalMs = 200, signal }: WaitOptions,
): Promise<string[]> {
  const pending = new Set(urls)
  const giveUpAt = performance.now() + timeoutMs
  while (pending.size > 0 && !signal?.aborted) {
    const answers = await Promise.all(
      [...pending].map(async (url) => [url, await answers200(url, signal)] as const),
    )
    for (const [url, ready] of answers) if (ready) pending.delete(url)
    if (pending.size === 0 || performance.now() + intervalMs > giveUpAt) break
    try {
      await sleep(intervalMs, undefined, { signal })
    } catch {
      break
    }
  }
  return [...pending]
}

async function answers200(url: string, signal: AbortSignal | undefined): Promise<boolean> {
  const timeout = AbortSignal.timeout(requestTimeoutMs)
  try {
    const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout })
    await response.arrayBuffer()
    return response.status === 200
  } catch {
    return false
  }
}
