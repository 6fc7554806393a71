// The overload run's generated configs: HAProxy with per-server maxconn, a queue and priority classes,
// and nines-edge with admission and a stale cache (or without them: the plain proxy). Pure functions.
import { edgeInstance, haproxyHead } from '../configs.js'
import { benchHost, requestClasses, type RequestClass } from './class-mix.js'

export interface OverloadShape {
  /** concurrent slots per upstream endpoint */
  readonly slots: number
  readonly serviceMs: number
  /** the route's overall timeout; HAProxy's `timeout queue` */
  readonly deadlineMs: number
}

/** HAProxy's priority class per request class: lower is served first from the queue. */
export const haproxyPriority: Readonly<Record<RequestClass, number>> = {
  critical: -1,
  normal: 0,
  sheddable: 1,
}

/**
 * HAProxy, one thread: `maxconn` = slots on every server, so the rest waits in HAProxy's queue (by
 * priority class, set from the path) for at most the deadline, then gets HAProxy's 503.
 */
export function overloadHaproxy(port: number, upstreams: readonly number[], shape: OverloadShape): string {
  const priorities = requestClasses
    .filter((cls) => haproxyPriority[cls] !== 0)
    .map(
      (cls) =>
        `  http-request set-priority-class int(${haproxyPriority[cls]}) if { path_beg /${cls}/ } || { path /${cls} }`,
    )
  // maxconn 8000: room for the generator's 4,000 connections, inside a 20,000 open-file limit (2 per conn).
  return [
    ...haproxyHead(),
    `  timeout server ${shape.deadlineMs}ms`,
    `  timeout queue ${shape.deadlineMs}ms`,
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  maxconn 6000',
    '  default_backend app',
    'backend app',
    '  balance roundrobin',
    ...priorities,
    '  option httpchk GET /health',
    ...upstreams.map((p, i) => `  server s${i + 1} 127.0.0.1:${p} maxconn ${shape.slots} check inter 2s`),
    '',
  ].join('\n')
}

export interface NinesOverloadInput {
  readonly port: number
  readonly adminPort: number
  readonly stateDir: string
  readonly upstreams: readonly number[]
  readonly deadlineMs: number
  /**
   * `on`: admission on (pool defaults), the sheddable route keeps stale copies 300 s, a 16 MB cache.
   * `off`: the plain proxy, said with the same keys (`admission: { enabled: false }`, `cache: { enabled: false }`).
   * `absent`: the plain proxy for a build whose schema has neither key yet (before the busy-hour merge).
   */
  readonly admission: 'on' | 'off' | 'absent'
}

const stacks = ['a', 'b', 'c', 'd']

/** nines-edge: one instance, one checked pool of the slot upstreams, one route per class. */
export function overloadNines(input: NinesOverloadInput): string {
  const { admission } = input
  const instanceCache = admission === 'on' ? ', cache: { maxBytes: 16777216 }' : ''
  const poolAdmission =
    admission === 'absent' ? [] : [`    admission: { enabled: ${admission === 'on' ? 'true' : 'false'} }`]
  const routeCache = (cls: RequestClass) => {
    if (admission === 'absent') return ''
    if (admission === 'off') return ', cache: { enabled: false }'
    return cls === 'sheddable' ? ', cache: { staleIfErrorS: 300 }' : ''
  }
  return [
    'instances:',
    `  ${edgeInstance}:`,
    `    edge: { listen: ['127.0.0.1:${input.port}']${instanceCache} }`,
    `    admin: { address: 127.0.0.1, port: ${input.adminPort} }`,
    `    stateDir: ${JSON.stringify(input.stateDir)}`,
    'log: { level: warn }',
    'pools:',
    '  app:',
    '    check: { kind: http, path: /health, intervalMs: 2000, timeoutMs: 1000 }',
    '    endpoints:',
    ...input.upstreams.map(
      (p, i) =>
        `      - { name: s${i + 1}, address: 127.0.0.1, port: ${p}, labels: { stack: ${stacks[i % stacks.length]} } }`,
    ),
    ...poolAdmission,
    'edge:',
    '  routes:',
    // One attempt: a retry could not finish inside the deadline anyway, and it would add load.
    ...requestClasses.map(
      (cls) =>
        `    - { host: ${benchHost}, pathPrefix: /${cls}, pool: app, class: ${cls}, ` +
        `timeouts: { overallMs: ${input.deadlineMs} }, retry: { maxAttempts: 1 }${routeCache(cls)} }`,
    ),
    '',
  ].join('\n')
}

/** Whether a config error is this build not knowing the busy-hour keys (admission, cache) yet. */
export const isUnknownBusyHourKey = (message: string): boolean =>
  /unknown key "(admission|cache)"/.test(message)
