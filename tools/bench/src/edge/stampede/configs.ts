// The proxies of the stampede bench, each with a response cache in front of one slow origin: nines-edge
// with and without collapsed forwarding, nginx's proxy_cache with and without proxy_cache_lock, and
// HAProxy's cache (which has no lock). Pure functions of ports and directories.
import { haproxyHead, nginxHead, ninesEdgeHead } from '../configs.js'

export interface StampedeConfigInput {
  readonly dir: string
  readonly port: number
  readonly origin: number
  readonly root: boolean
}

/** nginx with a 64 MB cache zone; `lock`: proxy_cache_lock (waiters poll for the copy every 500 ms). */
export function nginxCache({ dir, port, origin, root }: StampedeConfigInput, lock: boolean): string {
  return [
    ...nginxHead(dir, root),
    `  proxy_cache_path ${dir}/cache keys_zone=pages:10m max_size=64m use_temp_path=off;`,
    `  upstream origin { server 127.0.0.1:${origin}; keepalive 64; }`,
    '  server {',
    `    listen 127.0.0.1:${port} backlog=4096;`,
    '    location / {',
    '      proxy_pass http://origin;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_cache pages;',
    `      proxy_cache_lock ${lock ? 'on' : 'off'};`,
    '      proxy_cache_lock_timeout 5s;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n')
}

/** HAProxy 2.x with its RAM cache on every response (it honours the origin's max-age). */
export function haproxyCache({ port, origin }: StampedeConfigInput): string {
  return [
    ...haproxyHead(),
    '  timeout server 30s',
    'cache pages',
    '  total-max-size 64',
    '  max-object-size 1048576',
    '  max-age 60',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  default_backend origin',
    'backend origin',
    '  http-request cache-use pages',
    '  http-response cache-store pages',
    `  server o1 127.0.0.1:${origin}`,
    '',
  ].join('\n')
}

/** nines-edge: one route to the origin, the cache on (the default), `collapse` as given. */
export function ninesCache(
  { port, origin }: StampedeConfigInput,
  adminPort: number,
  stateDir: string,
  collapse: boolean,
): string {
  return [
    ...ninesEdgeHead(port, adminPort, stateDir),
    'pools:',
    '  origin:',
    '    check: { kind: http, path: /health, intervalMs: 2000, timeoutMs: 1000 }',
    `    endpoints: [{ name: o1, address: 127.0.0.1, port: ${origin} }]`,
    'edge:',
    '  routes:',
    `    - { host: '*', pool: origin, cache: { collapse: ${collapse} } }`,
    '',
  ].join('\n')
}
