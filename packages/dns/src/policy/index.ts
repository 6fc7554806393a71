export { policySchema, allDownActions } from './schema.js'
export type { AllDownAction, LocalityOptions, PolicyInput, PolicyOptions, PriorityOptions } from './schema.js'
export type {
  CandidateView,
  ClientInfo,
  LocalityTier,
  Outcome,
  Selection,
  SelectionStep,
  SelectionStepKind,
  TtlRule,
} from './types.js'
export { select } from './select.js'
export { variants, type Variants } from './variants.js'
export {
  failback,
  groupHealth,
  initialPriorityState,
  nextPriorityChangeAt,
  nextPriorityState,
  type PriorityGroupHealth,
  type PriorityState,
} from './priority.js'
export {
  createLocalityMap,
  localityMapEntrySchema,
  localityMapSchema,
  type LocalityMap,
  type LocalityMapEntry,
  type LocalityMatch,
} from './locality-map.js'
