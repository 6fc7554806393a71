export { createBalancer, PoolBalancer, type BalancerDeps, type BalancerOptions } from './balancer.js'
export { chooseLocality, type LocalityChoice, type LocalityOptions, type LocalityTier } from './locality.js'
export { hash32 } from './hash-ring.js'
export {
  balanceKinds,
  balanceSchema,
  hashOnSchema,
  type BalanceInput,
  type BalanceKind,
  type BalanceOptions,
  type HashOn,
} from './schema.js'
export { slowStartFactor, type SlowStart } from './slow-start.js'
export type { Balancer, Candidate, Member, PickContext } from './types.js'
