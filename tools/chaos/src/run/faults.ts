import type { StackProcess } from '../stack/index.js'
import type { Books } from './books.js'
import type { FaultTracker } from './tracker.js'

export interface FaultContext {
  process(name: string): StackProcess
  readonly books: Books
  /** Starts the extra traffic of a burst (multiplier - 1 times the base rate); resolves to its stop. */
  startBurst(multiplier: number): () => Promise<void>
}

const NAMESERVER_NOTE =
  'nameservers are not health-checked: clients ask the other one; recovered = ready again'

/** Stages the fault; the stop of a burst is kept for its heal. */
export async function inject(t: FaultTracker, ctx: FaultContext, bursts: Map<number, () => Promise<void>>) {
  const { fault } = t
  t.injectedAt = Date.now()
  if (fault.action === 'burst') {
    bursts.set(fault.id, ctx.startBurst(Number(fault.params.multiplier ?? 3)))
    return
  }
  const p = ctx.process(fault.target)
  if (p.kind === 'dns') t.note = NAMESERVER_NOTE
  switch (fault.action) {
    case 'kill':
      if (p.kind === 'endpoint') await ctx.books.take(p.name, p.address, p.port)
      // Stamped after the books are read: the fault starts when the process dies.
      t.injectedAt = Date.now()
      await p.kill('SIGKILL')
      return
    case 'hang':
      return p.mode('hang')
    case 'slow':
      return p.mode('slow', { delayMs: fault.params.delayMs ?? 2_000 })
    case 'fail-route':
      return p.mode('fail', { route: fault.params.route ?? '/api' })
    case 'freeze':
      return p.freeze()
  }
}

/** Undoes the fault; `healed` is set once the target runs and answers again. */
export async function heal(t: FaultTracker, ctx: FaultContext, bursts: Map<number, () => Promise<void>>) {
  const { fault } = t
  t.healedAt = Date.now()
  if (fault.action === 'burst') {
    await bursts.get(fault.id)?.()
    t.healed = true
    t.healDoneAt = Date.now()
    return
  }
  const p = ctx.process(fault.target)
  switch (fault.action) {
    case 'kill':
      await p.start()
      if (p.kind === 'dns') t.servingAgainMs = Date.now() - t.healedAt
      break
    case 'freeze':
      p.thaw()
      break
    default:
      await p.mode('ok')
  }
  t.healed = p.running
  t.healDoneAt = Date.now()
}
