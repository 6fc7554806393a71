// The edge router's stages; each folder exports its part here.
export {
  balanceKinds,
  balanceSchema,
  chooseLocality,
  createBalancer,
  hash32,
  hashOnSchema,
  PoolBalancer,
  slowStartFactor,
  type BalanceInput,
  type BalanceKind,
  type BalanceOptions,
  type Balancer,
  type BalancerDeps,
  type BalancerOptions,
  type Candidate,
  type HashOn,
  type LocalityChoice,
  type LocalityOptions,
  type LocalityTier,
  type Member,
  type PickContext,
  type SlowStart,
} from './balance/index.js'
export * from './eject/index.js'
export * from './retry/index.js'
export * from './routes/index.js'
export * from './proxy/index.js'
export * from './attempts/index.js'
export * from './router/index.js'
export * from './chain/index.js'
export * from './listen/index.js'
export * from './admit/index.js'
export * from './cache/index.js'
