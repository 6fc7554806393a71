import { dohJson, type DohJsonOptions } from './doh-json.js'
import { createResolver, type Resolver, type ResolverOptions } from './resolver.js'

export interface BrowserResolverOptions
  extends Omit<ResolverOptions, 'nameservers' | 'transport'>, DohJsonOptions {
  /** DoH JSON endpoints in order of preference: `https://ns1.example/resolve`, ... */
  readonly servers: readonly string[]
}

/** A resolver over DoH JSON through `fetch`: every deployment listed, the same cache and failover. */
export function createBrowserResolver(options: BrowserResolverOptions): Resolver {
  const { servers, fetch, headers, ...rest } = options
  return createResolver({
    ...rest,
    nameservers: servers,
    transport: dohJson({ ...(fetch && { fetch }), ...(headers && { headers }) }),
  })
}
