export { buildReport, type ReportInput } from './build.js'
export {
  REQUEST_CLASSES,
  available,
  classFigures,
  figuresByClass,
  formatMs,
  formatNines,
  formatPercent,
  longestOutageMs,
  ninesOf,
  type ClassFigures,
  type ObservedRequest,
  type RequestClass,
} from './figures.js'
export { defaultReportPath, formatReport, table, writeReport } from './format.js'
export { ledgerFigures, type LedgerAnswer, type LedgerFigures, type LedgerSubjectReport } from './ledger.js'
export {
  TARGETS,
  type ChaosReport,
  type FailedRequest,
  type FaultFigures,
  type Target,
  type TopupFigures,
} from './report.js'
export { judge } from './targets.js'
export { topupFigures, type TopupBooks } from './topups.js'
