export {
  Ejector,
  type AttemptObservation,
  type AttemptOutcome,
  type EjectedEvent,
  type EjectionEvent,
  type EjectionReason,
  type EjectionStatus,
  type EjectorOptions,
  type KeptEvent,
  type ObserveResult,
  type ReturnedEvent,
} from './ejector.js'
export { monitorReporter } from './monitor-reporter.js'
export { attemptOutcome, type AttemptResult } from './outcome.js'
export {
  ejectionSchema,
  parseEjectionOptions,
  type EjectionOptions,
  type EjectionOptionsInput,
} from './options.js'
export {
  candidates,
  panicSchema,
  type CandidateInput,
  type Candidates,
  type PanicOptions,
  type PanicOptionsInput,
} from './panic.js'
