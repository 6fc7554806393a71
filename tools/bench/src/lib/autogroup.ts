// With sched_autogroup on (as on this VM), CPU is shared fairly between *sessions*, so `nice` alone
// cannot keep other sessions' work off a pinned server. Renicing this session's autogroup can; the peer
// baselines did this (notes/peer-baselines.md). It lasts until restored, so callers restore it on exit.
import { readFileSync, writeFileSync } from 'node:fs'

const file = '/proc/self/autogroup'

/** This session's autogroup nice value, or undefined without autogroups. */
export function autogroupNice(): number | undefined {
  try {
    const match = /nice (-?\d+)/.exec(readFileSync(file, 'utf8'))
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

/** Sets this session's autogroup nice; false when not possible (no autogroups, not root). */
export function setAutogroupNice(nice: number): boolean {
  try {
    writeFileSync(file, String(nice))
    return autogroupNice() === nice
  } catch {
    return false
  }
}
