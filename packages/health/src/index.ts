export {
  checkSchema,
  checkTiming,
  customCheckSchema,
  dnsCheckSchema,
  httpCheckSchema,
  monitorCheckSchema,
  tcpCheckSchema,
  type Check,
  type CheckInput,
  type CheckTiming,
  type CustomCheck,
  type DnsCheck,
  type HttpCheck,
  type MonitorCheck,
  type TcpCheck,
} from './check.js'
export { endpointSchema, poolSchema, toEndpoint, type EndpointConfig, type PoolConfig } from './pool.js'
export type { Probe, ProbeTarget } from './probe.js'
export {
  customProbe,
  dnsProbe,
  httpProbe,
  probeFor,
  runProbe,
  tcpProbe,
  type CustomProbeFunction,
  type RunProbeOptions,
} from './probes/index.js'
export {
  Quorum,
  dampingSchema,
  expireSuppression,
  initialHealth,
  nextChangeAt,
  nextProbeDelayMs,
  passiveSchema,
  quorumSchema,
  thresholdsFor,
  transition,
  type Damping,
  type DampingInput,
  type EndpointHealth,
  type PassiveOptions,
  type QuorumDecision,
  type QuorumOptions,
  type Thresholds,
  type TransitionOutcome,
  type Verdict,
} from './state/index.js'
export {
  Monitor,
  type EndpointStatus,
  type MonitorOptions,
  type MonitorTarget,
  type OverrideInput,
  maxOverrideTtlMs,
} from './monitor/monitor.js'
export type { MonitorEvents, ProbeEvent, TransitionEvent } from './monitor/events.js'
export { readStateFile, removeLeftovers, writeStateFile, type StateFile } from './monitor/state-file.js'
export { recordAvailability } from './monitor/ledger-link.js'
export {
  AvailabilityLedger,
  LEDGER_WINDOWS_MS,
  allowedDowntimeMs,
  availability,
  errorBudget,
  formatDuration,
  ledgerOptionsSchema,
  ninesOf,
  type AvailabilityReport,
  type ErrorBudget,
  type IncidentReport,
  type LedgerEvent,
  type LedgerOptions,
  type WindowReport,
} from './ledger/index.js'
