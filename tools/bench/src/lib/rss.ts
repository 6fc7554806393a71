import { readFileSync } from 'node:fs'

/** Resident set size (VmRSS) of one process in kB; 0 when it is gone or is a kernel thread. */
export function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) : 0
  } catch {
    return 0
  }
}

/** Summed VmRSS of some processes (a process tree: nginx master + worker, cluster primary + workers), MB. */
export const sumRssMb = (pids: readonly number[]): number =>
  pids.reduce((sum, pid) => sum + rssKb(pid), 0) / 1024
