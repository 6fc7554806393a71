import { z } from 'zod'

const mib = 1024 * 1024

/**
 * Route level: `routes[n].cache`. The origin's own `Cache-Control` decides what is stored and for how long
 * it is fresh; these say what the edge may do with a copy once it is no longer fresh.
 */
export const routeCacheSchema = z
  .strictObject({
    /** Store this route's GET responses and answer from them. */
    enabled: z.boolean().default(true),
    /**
     * How long past freshness a stored copy may be served when the upstream fails, every endpoint is out or
     * the request is shed (RFC 5861 `stale-if-error`). Used only when the origin sent neither `stale-if-error`
     * nor `stale-while-revalidate`: an origin that states one has said what it allows.
     */
    staleIfErrorS: z.number().int().min(0).max(31_536_000).default(300),
    /**
     * How long past freshness a stored copy may be served while one background request refreshes it (RFC
     * 5861 `stale-while-revalidate`); same rule: only when the origin sent neither extension. 0: never.
     */
    staleWhileRevalidateS: z.number().int().min(0).max(31_536_000).default(0),
    /**
     * RFC 9111 §3.5: a shared cache stores the response to a request with `Authorization` only if the
     * response says `public`, `s-maxage` or `must-revalidate`. By default the edge goes further and never
     * stores or answers such a request, since answering from a copy skips the origin's check of the
     * credentials. `true` says this route's responses do not depend on the credentials: such requests are
     * then stored and answered under §3.5 and every other rule.
     */
    allowAuthorization: z.boolean().default(false),
    /**
     * Collapsed forwarding (nginx `proxy_cache_lock`): while one request for a URL that missed is on its
     * way to the upstream, the others for it wait (at most the route's `perTryMs`) for its response to be
     * stored, instead of each asking the upstream. A URL whose response cannot be stored is not collapsed
     * for a minute after, so `no-store` routes pay the wait once at most.
     */
    collapse: z.boolean().default(true),
  })
  .prefault({})

/** Instance level: `instances[n].edge.cache`, one cache per process shared by every route. */
export const edgeCacheSchema = z
  .strictObject({
    /** Bound on stored bodies and headers together; 0 turns the cache off. */
    maxBytes: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .default(64 * mib),
    /** A response larger than this (body and headers) is relayed but not stored. */
    maxEntryBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(mib),
  })
  .superRefine((cache, ctx) => {
    if (cache.maxBytes > 0 && cache.maxEntryBytes > cache.maxBytes) {
      ctx.addIssue({
        code: 'custom',
        input: cache.maxEntryBytes,
        path: ['maxEntryBytes'],
        message: `expected at most maxBytes (${cache.maxBytes}), got ${cache.maxEntryBytes}`,
      })
    }
  })
  .prefault({})

export type RouteCacheOptions = z.infer<typeof routeCacheSchema>
export type RouteCacheOptionsInput = z.input<typeof routeCacheSchema>
export type EdgeCacheOptions = z.infer<typeof edgeCacheSchema>
export type EdgeCacheOptionsInput = z.input<typeof edgeCacheSchema>
