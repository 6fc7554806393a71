// Benches measure side by side on a shared machine: each run waits, at most a while, for the others to
// settle, and the caller reports what was left.
import { foreignCpuMs, foreignDeltaMs } from './proc-tree.js'
import { sleep } from './proc.js'

/** Share of one core, in %, that other processes may use before a run starts. */
export const quietPct = 10

/**
 * Waits (at most `maxMs`, sampling every `stepMs`) until processes outside this tree use under
 * `quietPct` of a core; returns their last share in %.
 */
export async function waitForQuiet(maxMs: number, stepMs = 1000): Promise<number> {
  const deadline = Date.now() + maxMs
  let busyPct = 0
  do {
    const before = foreignCpuMs()
    await sleep(stepMs)
    busyPct = (foreignDeltaMs(before, foreignCpuMs()) / stepMs) * 100
  } while (busyPct >= quietPct && Date.now() < deadline)
  return busyPct
}

/** `waitForQuiet`, then a warning when the others did not settle: the figures of that run are noisier. */
export async function settleBeforeRun(maxMs: number, stepMs = 1000): Promise<void> {
  const busyPct = await waitForQuiet(maxMs, stepMs)
  if (busyPct >= quietPct)
    console.warn(`others still use ${busyPct.toFixed(0)} % of a core; measuring anyway`)
}

/** `items` rotated by `round`, so that every case takes every position over the rounds. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const shift = round % Math.max(1, items.length)
  return [...items.slice(shift), ...items.slice(0, shift)]
}
