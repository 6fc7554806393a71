// The browser-safe entry: no node: imports, no Buffer, nothing outside this folder, so dist/index.js
// loads in a browser as plain ES modules. Node transports and `lookup` are in `@nines/client/node`.
export { createBrowserResolver, type BrowserResolverOptions } from './browser.js'
export { dohJson, parseDnsJson, type DohJsonOptions } from './doh-json.js'
export { BadAnswerError, ClientArgumentError, ClientError, NoNameserverError } from './errors.js'
export { createResolver, type Resolver, type ResolverOptions } from './resolver.js'
export { typeName, typeNumber } from './rrtype.js'
export type { NameserverStats, Question, Reply, ReplyRecord, Resolution, Transport } from './types.js'
