export { initialHealth, type EndpointHealth } from './endpoint-health.js'
export {
  dampingDefaults,
  dampingSchema,
  decayPenalty,
  penaltyDecaysAt,
  suppressionEndsAt,
  type Damping,
  type DampingConfig,
  type DampingInput,
} from './damping.js'
export { thresholdsFor, type ColdStart, type Thresholds, type ThresholdsOptions } from './thresholds.js'
export { nextChangeAt, nextProbeDelayMs } from './schedule.js'
export {
  expireSuppression,
  reuseReason,
  suppressedReason,
  transition,
  type TransitionOutcome,
} from './transition.js'
export {
  combineActivePassive,
  passiveSchema,
  passiveVerdict,
  newPassiveWindow,
  passiveWindow,
  recordPassive,
  type PassiveConfig,
  type PassiveConfigInput,
  type PassiveOptions,
  type PassiveOutcome,
  type PassiveSample,
  type PassiveVerdict,
  type PassiveWindow,
} from './passive.js'
export {
  Quorum,
  quorumSchema,
  type QuorumConfig,
  type QuorumConfigInput,
  type QuorumDecision,
  type QuorumOptions,
  type Verdict,
} from './quorum.js'
