import { formatMs, formatPercent, type ClassFigures, type RequestClass } from './figures.js'
import { TARGETS, type Target, type TopupFigures } from './report.js'

/** The targets: critical ≥ 99.999 %, overall ≥ 99.99 %, longest outage < 1 s, no duplicated top-up. */
export function judge(
  classes: Readonly<Record<RequestClass | 'overall', ClassFigures>>,
  longestOutageMs: number,
  topups: TopupFigures,
): Target[] {
  const critical = classes.critical.availability
  const overall = classes.overall.availability
  return [
    {
      name: 'critical availability',
      want: `≥ ${formatPercent(TARGETS.critical)}`,
      got: formatPercent(critical),
      pass: critical >= TARGETS.critical,
    },
    {
      name: 'overall availability',
      want: `≥ ${formatPercent(TARGETS.overall)}`,
      got: formatPercent(overall),
      pass: overall >= TARGETS.overall,
    },
    {
      name: 'longest outage (any class)',
      want: `< ${formatMs(TARGETS.longestOutageMs)}`,
      got: formatMs(longestOutageMs),
      pass: longestOutageMs < TARGETS.longestOutageMs,
    },
    {
      name: 'duplicated top-ups',
      want: '0',
      got: String(topups.duplicated),
      pass: topups.duplicated === 0,
    },
  ]
}
