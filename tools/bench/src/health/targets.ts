// What the health benchmark must show, in the same run: nines' Monitor costs at most 1.5× HAProxy's CPU
// for the same checks, and its peak RSS stays at or under 100 MB.

export const targets = { cpuRatio: 1.5, peakRssMb: 100 } as const

export interface Figures {
  readonly cpuPct: number
  readonly peakRssMb: number
}

export interface Verdict {
  readonly target: string
  readonly value: string
  readonly met: boolean
}

/** One verdict per target; the CPU one needs HAProxy's figures and is left out without them. */
export function verdicts(nines: Figures, haproxy: Figures | undefined): Verdict[] {
  const list: Verdict[] = []
  if (haproxy !== undefined) {
    const ratio = nines.cpuPct / haproxy.cpuPct
    list.push({
      target: `CPU ≤ ${targets.cpuRatio}× HAProxy's`,
      value: `${ratio.toFixed(2)}×`,
      met: ratio <= targets.cpuRatio,
    })
  }
  list.push({
    target: `peak RSS ≤ ${targets.peakRssMb} MB`,
    value: `${nines.peakRssMb.toFixed(0)} MB`,
    met: nines.peakRssMb <= targets.peakRssMb,
  })
  return list
}
