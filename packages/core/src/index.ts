export { endpointId, type Endpoint, type EndpointLabels, type Locality, type Pool } from './endpoint.js'
export {
  effectiveState,
  overrideActive,
  takesTraffic,
  type EffectiveState,
  type ObservedState,
  type Override,
  type OverrideState,
  type ProbeResult,
} from './health-state.js'
export { InvalidArgumentError, NinesError, isNinesError } from './errors.js'
export { ManualClock, systemClock, type Clock, type Timer } from './clock.js'
export { mathRng, seededRng, type Rng } from './rng.js'
export { noopLogger, type Logger } from './logger.js'
export { formatListenAddress, parseListenAddress, type ListenAddress } from './listen-address.js'
