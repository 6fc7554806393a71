import type {
  CheckTiming,
  DemoEndpointEntry,
  DnsInstanceEntry,
  EdgeInstanceEntry,
  LocalStack,
} from './local-stack.js'

export interface BannerRestarts {
  /** After how long a demo endpoint (or the page's server) that exited starts again. */
  restartAfterMs: number
  /** After how long a daemon that exited starts again. */
  daemonRestartAfterMs: number
}

/** The name every router serves and DNS answers with the edge routers. */
const appHost = 'app.nines.test'
/** The pool of `examples/local.yaml` that app.nines.test answers from: the routers. */
const edgesPool = 'edges'

/** What runs where and commands to try, printed once everything is ready, unlabelled so they paste. */
export function banner(
  stack: LocalStack,
  { restartAfterMs, daemonRestartAfterMs }: BannerRestarts,
  started: ReadonlySet<string> = new Set(stack.instances.map((i) => i.name)),
): string[] {
  const dns = stack.instances.filter((i): i is DnsInstanceEntry => i.role === 'dns' && started.has(i.name))
  const edges = stack.instances.filter(
    (i): i is EdgeInstanceEntry => i.role === 'edge' && started.has(i.name),
  )
  const [ns1, ns2] = dns
  const stacks = stack.endpoints.filter((e) => e.pool === 'app')
  const victim = stacks[1] ?? stacks[0]
  if (ns1 === undefined || victim === undefined) return ['The local stack is up.', 'Ctrl-C stops everything.']
  const second = ns2 ?? ns1
  const width = Math.max(
    ...stack.instances.map((i) => i.name.length),
    ...stack.endpoints.map((e) => e.name.length),
  )
  const sec = (ms: number): string => `${ms / 1000} s`
  return [
    '',
    `The local stack is up (${stack.configPath}):`,
    ...stack.instances.map((i) => {
      const name = i.name.padEnd(width)
      if (!started.has(i.name))
        return `  ${name} nines-${i.role} not started: the local stack does not run nines-${i.role} yet`
      const admin = `admin http://${i.adminAddress}:${i.adminPort}`
      return i.role === 'dns'
        ? `  ${name} nines-dns  DNS ${i.dnsAddress}:${i.dnsPort} (UDP, TCP), DoH https://${i.dnsAddress}:${i.dohPort}/dns-query and /resolve, DoT ${i.dnsAddress}:${i.dotPort}, ${admin}`
        : `  ${name} nines-edge HTTP http://${i.httpAddress}:${i.httpPort}, zone ${i.zone}, ${admin}`
    }),
    ...stack.endpoints.map((e) => `  ${e.name.padEnd(width)} ${endpointLine(e)}`),
    `  ${'page'.padEnd(width)} example    http://${stack.page.address}:${stack.page.port}/ (${stack.page.dir}/)`,
    `Whatever exits is started again: stacks, the CMS and the page after ${sec(restartAfterMs)}, daemons after ${sec(daemonRestartAfterMs)}.`,
    '',
    ...dnsLines(stack, ns1, second, edges),
    ...secureLines(ns1, second),
    ...pageLines(stack, dns),
    ...edgeLines(edges),
    ...faultLines(stack, victim, edges, ns1, second, { restartAfterMs, daemonRestartAfterMs }),
    'Ctrl-C stops everything.',
    '',
  ]
}

function endpointLine(e: DemoEndpointEntry): string {
  const where = `http://${e.address}:${e.port}, zone ${e.zone}`
  return e.pool === 'cms'
    ? `CMS        ${where}, /cms/faq and /cms/banner`
    : `stack      ${where}, ${e.stack}`
}

/** DNS answers the healthy routers, the client's zone first: one dig per zone, from an address in it. */
function dnsLines(
  { localities }: LocalStack,
  ns1: DnsInstanceEntry,
  ns2: DnsInstanceEntry,
  edges: readonly EdgeInstanceEntry[],
): string[] {
  const admin = (i: DnsInstanceEntry): string => `http://${i.adminAddress}:${i.adminPort}`
  const digs = localities.map(({ address, zone }, n) => {
    const ns = n === 0 ? ns1 : ns2
    // Without -b, dig sends from 127.0.0.1 to any loopback address.
    const from = address === '127.0.0.1' ? '' : ` -b ${address}`
    const near = edges.find((e) => e.zone === zone)
    const note = near === undefined ? '' : `   # ${near.name} first: ${address} is in ${zone}`
    return `  dig @${ns.dnsAddress} -p ${ns.dnsPort}${from} ${appHost} +noall +answer${note}`
  })
  const other = localities[1]?.address ?? ns1.dnsAddress
  return [
    `DNS answers ${appHost} with the healthy edge routers, the client's zone first:`,
    ...digs,
    `  curl -s ${admin(ns1)}/status   # pools as ${ns1.name} sees them${ns2 === ns1 ? '' : ` (${ns2.name}: ${admin(ns2)}/status)`}`,
    `  curl -s '${admin(ns1)}/explain?name=${appHost}&type=A&client=${other}'   # what a client gets, and why`,
  ]
}

/** Requests through the routers: the API, the CMS (cached), and the pools each router sees. */
function edgeLines(edges: readonly EdgeInstanceEntry[]): string[] {
  const [near, far] = edges
  if (near === undefined) return []
  const through = (edge: EdgeInstanceEntry, path: string): string =>
    `curl -s --resolve ${appHost}:${edge.httpPort}:${edge.httpAddress} 'http://${appHost}:${edge.httpPort}${path}'`
  const status = edges.map((e) => `http://${e.adminAddress}:${e.adminPort}/status`)
  return [
    `Through an edge router (each balances across the stacks of both zones, its own first, and routes around failures):`,
    `  ${through(near, '/api/balance?account=alice')}   # the answer names the stack that served`,
    `  ${through(far ?? near, '/cms/faq')}   # the CMS, cached by the router (max-age=30)`,
    `  curl -s ${status[0]}   # pools as ${near.name} sees them${far === undefined ? '' : ` (${far.name}: ${status[1]})`}`,
  ]
}

/** Breaking a stack, killing a router and a nameserver, draining: what to paste and what follows. */
function faultLines(
  stack: LocalStack,
  victim: DemoEndpointEntry,
  edges: readonly EdgeInstanceEntry[],
  ns1: DnsInstanceEntry,
  ns2: DnsInstanceEntry,
  { restartAfterMs, daemonRestartAfterMs }: BannerRestarts,
): string[] {
  const url = `http://${victim.address}:${victim.port}`
  const crash = `curl -X POST ${url}/__nines/crash`
  const fail = `curl -X POST '${url}/__nines/mode?set=fail'`
  const pad = Math.max(crash.length, fail.length) + 2
  const app = timing(stack.checks.app)
  const router = edges[0]
  // The daemon's state directory holds its lock, whose pid is the process to kill, after a restart too.
  const kill = (stateDir: string): string => `kill $(grep -o '"pid":[0-9]*' ${stateDir}/lock | cut -d: -f2)`
  const killLines =
    router === undefined
      ? []
      : [
          `Kill a router, then a nameserver (each restarted after ${daemonRestartAfterMs / 1000} s): DNS stops answering ${router.name} within about ${timing(stack.checks.edges).downAfterSec} s, and dig @${ns2.dnsAddress} answers while ${ns1.name} is down:`,
          `  ${kill(router.stateDir)}`,
          `  ${kill(ns1.stateDir)}`,
        ]
  return [
    `Break stack ${victim.name}: the routers stop sending it requests within about ${app.downAfterSec} s (${app.hungAfterSec} s if it hangs), and take it back within about ${app.backAfterSec} s of healing:`,
    `  ${crash.padEnd(pad)}# exits; restarted after ${restartAfterMs / 1000} s`,
    `  ${fail.padEnd(pad)}# or set=hang, set=slow&delayMs=800; set=ok heals`,
    ...killLines,
    ...drainLines(stack, victim, router),
  ]
}

/**
 * Planned maintenance: one command overrides every instance of the file that monitors the pool (the others
 * say "not monitored there"): a stack on both routers, a router on both nameservers.
 */
function drainLines(
  { configPath }: LocalStack,
  victim: DemoEndpointEntry,
  router: EdgeInstanceEntry | undefined,
): string[] {
  const drain = (target: string): string =>
    `npm run -s nines-edge -- override ${target} drain --reason maintenance --config ${configPath}`
  const stackLine = drain(`${victim.pool}/${victim.name}`)
  const routerLine = router === undefined ? undefined : drain(`${edgesPool}/${router.name}`)
  const pad = Math.max(stackLine.length, routerLine?.length ?? 0) + 2
  return [
    'Drain for maintenance on every instance that monitors it; `clear` in place of `drain` undoes it:',
    `  ${stackLine.padEnd(pad)}# on both routers`,
    ...(routerLine === undefined ? [] : [`  ${routerLine.padEnd(pad)}# on both nameservers`]),
  ]
}

/** How long a check takes to mark an endpoint down, down when it hangs, and up again. */
function timing({ intervalMs, timeoutMs, rise, fall }: CheckTiming): {
  downAfterSec: number
  hungAfterSec: number
  backAfterSec: number
} {
  // After a first failure (or success while down) the check repeats at the fast interval, interval / 2.
  const fastMs = Math.max(100, Math.round(intervalMs / 2))
  const downAfterSec = (intervalMs + (fall - 1) * fastMs) / 1000
  return {
    downAfterSec,
    hungAfterSec: downAfterSec + (fall * timeoutMs) / 1000,
    backAfterSec: (intervalMs + (rise - 1) * fastMs) / 1000,
  }
}

/** The local CA every DoH and DoT client must trust, relative to the root (the working directory). */
const caFile = 'var/tls/ca.pem'

/** DoH (JSON and RFC 8484) and DoT, each trusting only the local CA. */
function secureLines(ns1: DnsInstanceEntry, ns2: DnsInstanceEntry): string[] {
  const json = `https://${ns1.dnsAddress}:${ns1.dohPort}/resolve?name=${appHost}&type=A`
  return [
    `Over DoH and DoT (certificates of the local CA ${caFile}, made at the first start; not trusted system-wide):`,
    `  curl -s --cacert ${caFile} '${json}'`,
    `  kdig @${ns2.dnsAddress} -p ${ns2.dohPort} +https +tls-ca=${caFile} ${appHost}   # RFC 8484`,
    `  kdig @${ns1.dnsAddress} -p ${ns1.dotPort} +tls-ca=${caFile} ${appHost}   # DoT`,
  ]
}

/**
 * The example page, and how a browser trusts the private CA for its DoH calls. Chromium's SPKI list
 * matches only certificates the server sends, and the nameservers send their leaf alone, so it lists the
 * leaves' key hashes, not the CA's.
 */
function pageLines({ page }: LocalStack, nameservers: readonly DnsInstanceEntry[]): string[] {
  const url = `http://${page.address}:${page.port}/`
  const names = nameservers.map((i) => i.name).join(' ')
  const spki = `for n in ${names}; do openssl x509 -in var/tls/$n.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64; done | paste -sd,`
  return [
    `In a browser (DoH JSON through fetch, both nameservers, @nines/client): ${url}`,
    `  the browser must trust ${caFile}, a private CA (or import it as an authority); Chromium, in a throw-away profile:`,
    `  chromium --user-data-dir="$(mktemp -d)" --ignore-certificate-errors-spki-list="$(${spki})" ${url}`,
  ]
}
