// What the app's users do, by request name: the self-service API, the home page, the statement download
// and the CMS, each in the class the routes of examples/local.yaml give it.
import { randomUUID } from 'node:crypto'

export type RequestClass = 'critical' | 'normal' | 'sheddable'

export interface RequestSpec {
  readonly name: string
  readonly class: RequestClass
  readonly method: 'GET' | 'POST'
  /** Path and query, and the body of a POST; a top-up gets a fresh request id each time. */
  make(account: string): { path: string; body?: string; requestId?: string }
}

export const requestSpecs: Readonly<Record<string, RequestSpec>> = {
  balance: {
    name: 'balance',
    class: 'critical',
    method: 'GET',
    make: (account) => ({ path: `/api/balance?account=${account}` }),
  },
  usage: {
    name: 'usage',
    class: 'critical',
    method: 'GET',
    make: (account) => ({ path: `/api/usage?account=${account}` }),
  },
  topup: {
    name: 'topup',
    class: 'critical',
    method: 'POST',
    make: (account) => {
      const requestId = randomUUID()
      return { path: '/api/topup', body: JSON.stringify({ account, amountCents: 500, requestId }), requestId }
    },
  },
  home: { name: 'home', class: 'normal', method: 'GET', make: () => ({ path: '/' }) },
  statement: {
    name: 'statement',
    class: 'sheddable',
    method: 'GET',
    make: (account) => ({ path: `/api/statement?account=${account}` }),
  },
  'cms-faq': { name: 'cms-faq', class: 'sheddable', method: 'GET', make: () => ({ path: '/cms/faq' }) },
}

/** Every class in the mix; the statement (1 MiB) is rare so that a short run stays light. */
export const defaultMix: Readonly<Record<string, number>> = {
  balance: 30,
  usage: 15,
  topup: 10,
  home: 20,
  statement: 5,
  'cms-faq': 20,
}

/**
 * Smooth weighted round robin (nginx): the names in exact proportion to their weights, interleaved, and
 * the same sequence every run.
 */
export function weightedCycle(mix: Readonly<Record<string, number | undefined>>): () => string {
  const entries = Object.entries(mix).filter((e): e is [string, number] => (e[1] ?? 0) > 0)
  if (entries.length === 0) throw new Error('mix: expected at least one request name with a weight > 0')
  for (const [name] of entries) {
    if (!requestSpecs[name])
      throw new Error(`mix: unknown request ${name}; known: ${Object.keys(requestSpecs).join(', ')}`)
  }
  const total = entries.reduce((sum, [, w]) => sum + w, 0)
  const current = new Map(entries.map(([name]) => [name, 0]))
  return () => {
    let best = entries[0]![0]
    for (const [name, weight] of entries) {
      current.set(name, current.get(name)! + weight)
      if (current.get(name)! > current.get(best)!) best = name
    }
    current.set(best, current.get(best)! - total)
    return best
  }
}
