export {
  MAX_NINES,
  allowedDowntimeMs,
  availability,
  errorBudget,
  formatDuration,
  ninesOf,
  type ErrorBudget,
} from './availability.js'
export {
  AvailabilityLedger,
  type AvailabilityReport,
  type LedgerInit,
  type LedgerSubject,
  type LoadStats,
} from './ledger.js'
export { LEDGER_WINDOWS_MS, type IncidentReport, type WindowReport } from './report.js'
export {
  ledgerEventSchema,
  ledgerOptionsSchema,
  type LedgerEvent,
  type LedgerOptions,
  type LedgerOptionsInput,
} from './schema.js'
