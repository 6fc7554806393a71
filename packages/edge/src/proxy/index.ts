export {
  bodyReplayable,
  defaultReplayBodyLimitBytes,
  discardBody,
  readRequestBody,
  type RequestBody,
} from './body.js'
export {
  acceptsEventStream,
  forward,
  type ForwardInput,
  type ForwardOutcome,
  type ForwardResult,
} from './forward.js'
export { clientAddress, forwardedElement } from './forwarded.js'
export {
  clientResponseHeaders,
  upstreamRequestHeaders,
  viaValue,
  type ClientHeadersInput,
  type UpstreamHeadersInput,
} from './headers.js'
export { connectionListed, isHopByHop } from './hop-by-hop.js'
export { requestIdHeader, requestIdOf } from './request-id.js'
export { createUpstreamPool, upstreamPoolDefaults, type UpstreamPoolOptions } from './upstream-pool.js'
export { Tunnels } from './tunnels.js'
export {
  forwardUpgrade,
  writeRawError,
  type UpgradeInput,
  type UpgradeOutcome,
  type UpgradeResult,
} from './upgrade.js'
