export { type CachedCopy, type StaleReason } from './entry.js'
export {
  edgeCacheSchema,
  routeCacheSchema,
  type EdgeCacheOptions,
  type EdgeCacheOptionsInput,
  type RouteCacheOptions,
  type RouteCacheOptionsInput,
} from './options.js'
export { cacheKey, type CacheRequest } from './request.js'
export {
  refreshAbandonedMs,
  ResponseCache,
  type CacheLookup,
  type CacheSnapshot,
  type ResponseCacheOptions,
} from './response-cache.js'
export { type ResponseTap } from './tap.js'
export { cacheStateHeader, type WriteCopyOptions } from './write-copy.js'
