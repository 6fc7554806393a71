// Process-tree CPU accounting from /proc: servers such as NSD fork their workers, so a server's cost is
// the CPU time of its root process and every descendant.
import { readdirSync, readFileSync } from 'node:fs'

const ticksPerSecond = 100 // USER_HZ on Linux

export interface ProcStat {
  readonly pid: number
  readonly ppid: number
  /** user + system time, in milliseconds */
  readonly cpuMs: number
}

/** Parses one `/proc/PID/stat` line; the command name may hold spaces and parentheses. */
export function parseStat(pid: number, line: string): ProcStat {
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' ')
  return {
    pid,
    ppid: Number(fields[1]),
    cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond,
  }
}

/** Every process visible now; processes that exit while being read are left out. */
export function processTable(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    try {
      table.set(pid, parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8')))
    } catch {
      // gone between readdir and read
    }
  }
  return table
}

/** `root` and all its descendants, root first (empty when root is gone). */
export function descendants(root: number, table: ReadonlyMap<number, ProcStat> = processTable()): number[] {
  if (!table.has(root)) return []
  const children = new Map<number, number[]>()
  for (const stat of table.values()) {
    const siblings = children.get(stat.ppid)
    if (siblings) siblings.push(stat.pid)
    else children.set(stat.ppid, [stat.pid])
  }
  const found = [root]
  for (let i = 0; i < found.length; i++) found.push(...(children.get(found[i]!) ?? []))
  return found
}

/** CPU time of a process tree, in milliseconds. */
export function treeCpuMs(root: number): number {
  const table = processTable()
  return descendants(root, table).reduce((sum, pid) => sum + (table.get(pid)?.cpuMs ?? 0), 0)
}

/** CPU time per process of everything that is neither ours (the tree of `self`) nor a kernel thread. */
export function foreignCpuMs(self: number = process.pid): Map<number, number> {
  const table = processTable()
  const ours = new Set(descendants(self, table))
  const foreign = new Map<number, number>()
  for (const stat of table.values()) {
    // pid 2 is kthreadd, the parent of every kernel thread
    if (ours.has(stat.pid) || stat.pid === 2 || stat.ppid === 2) continue
    foreign.set(stat.pid, stat.cpuMs)
  }
  return foreign
}

/** CPU milliseconds foreign processes used between two snapshots (processes in both only). */
export function foreignDeltaMs(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): number {
  let sum = 0
  for (const [pid, cpu] of after) {
    const earlier = before.get(pid)
    if (earlier !== undefined && cpu >= earlier) sum += cpu - earlier
  }
  return sum
}
