export {
  PoolState,
  type EndpointHealth,
  type HealthLookup,
  type PoolStateOptions,
  type PoolView,
} from './pool-state.js'
export { Router, type RouteRuntime, type RouterConfig, type RouterOptions } from './router.js'
