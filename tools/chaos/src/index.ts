// @nines/chaos: the whole stack (stack/), client traffic (traffic/), and the chaos run built on them.
export * from './stack/index.js'
export * from './traffic/index.js'
export {
  ALL_FAULT_KINDS,
  makeSchedule,
  type Fault,
  type FaultAction,
  type FaultKind,
} from './schedule/index.js'
export {
  buildReport,
  classFigures,
  formatReport,
  writeReport,
  type ChaosReport,
  type ClassFigures,
  type FaultFigures,
} from './report/index.js'
export { parseCli, runChaos, type RunOptions } from './run/index.js'
