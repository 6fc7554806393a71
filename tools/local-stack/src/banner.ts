import type { DnsInstanceEntry, EdgeInstanceEntry, LocalStack } from './local-stack.js'

/** What runs where and commands to try, printed once everything is ready, unlabelled so they paste. */
export function banner(
  stack: LocalStack,
  restartAfterMs: number,
  started: ReadonlySet<string> = new Set(stack.instances.map((i) => i.name)),
): string[] {
  const dns = stack.instances.filter((i): i is DnsInstanceEntry => i.role === 'dns' && started.has(i.name))
  const edge = stack.instances.find((i): i is EdgeInstanceEntry => i.role === 'edge' && started.has(i.name))
  const [ns1, ns2] = dns
  const victim = stack.endpoints[1] ?? stack.endpoints[0]
  if (ns1 === undefined || victim === undefined) return ['The local stack is up.', 'Ctrl-C stops everything.']
  const second = ns2 ?? ns1
  const admin = `http://${ns1.adminAddress}:${ns1.adminPort}`
  const victimUrl = `http://${victim.address}:${victim.port}`
  const { intervalMs, timeoutMs, rise, fall } = stack.check
  // After a first failure (or success while down) the check repeats at the fast interval, interval / 2.
  const fastMs = Math.max(100, Math.round(intervalMs / 2))
  const downAfterSec = (intervalMs + (fall - 1) * fastMs) / 1000
  const hungAfterSec = downAfterSec + (fall * timeoutMs) / 1000
  const backAfterSec = (intervalMs + (rise - 1) * fastMs) / 1000
  const crash = `curl -X POST ${victimUrl}/__nines/crash`
  const fail = `curl -X POST '${victimUrl}/__nines/mode?set=fail'`
  const width = Math.max(crash.length, fail.length) + 2
  return [
    '',
    `The local stack is up (${stack.configPath}):`,
    ...stack.instances.map((i) =>
      !started.has(i.name)
        ? `  ${i.name.padEnd(4)} nines-${i.role} not started: the local stack does not run nines-${i.role} yet`
        : i.role === 'dns'
          ? `  ${i.name.padEnd(4)} nines-dns  DNS ${i.dnsAddress}:${i.dnsPort} (UDP and TCP), DoH https://${i.dnsAddress}:${i.dohPort}/dns-query and /resolve, DoT ${i.dnsAddress}:${i.dotPort}, admin http://${i.adminAddress}:${i.adminPort}`
          : `  ${i.name.padEnd(4)} nines-edge HTTP http://${i.httpAddress}:${i.httpPort}, admin http://${i.adminAddress}:${i.adminPort}`,
    ),
    ...stack.endpoints.map(
      (e) => `  ${e.name.padEnd(4)} endpoint   http://${e.address}:${e.port} (${e.stack})`,
    ),
    `  page example page http://${stack.page.address}:${stack.page.port}/ (${stack.page.dir}/)`,
    '',
    'Query:',
    `  dig @${ns1.dnsAddress} -p ${ns1.dnsPort} app.nines.test`,
    `  dig @${second.dnsAddress} -p ${second.dnsPort} app.nines.test SRV`,
    `  dig @${ns1.dnsAddress} -p ${ns1.dnsPort} nines.test NS`,
    `  curl -s ${admin}/status`,
    `  curl -s '${admin}/explain?name=app.nines.test&type=A&client=127.0.0.1'   # what a client gets, and why`,
    ...secureLines(ns1, second),
    ...pageLines(stack, dns),
    ...(edge === undefined ? [] : edgeLines(edge)),
    `Break endpoint ${victim.name}: it leaves the answers within about ${downAfterSec} s (${hungAfterSec} s if it hangs), and returns within about ${backAfterSec} s of healing (${rise} good checks):`,
    `  ${crash.padEnd(width)}# exits; restarted after ${restartAfterMs / 1000} s`,
    `  ${fail.padEnd(width)}# or set=hang, set=slow&delayMs=800; set=ok heals`,
    `Drain endpoint ${victim.name} on every instance (both nameservers and the edge), then undo:`,
    `  npm run -s nines-edge -- override app/${victim.name} drain --reason maintenance --config ${stack.configPath}`,
    `  npm run -s nines-edge -- override app/${victim.name} clear --config ${stack.configPath}`,
    'Ctrl-C stops everything.',
    '',
  ]
}

/** Requests through the edge router: plain, the demo's event stream, and which endpoint served. */
function edgeLines(edge: EdgeInstanceEntry): string[] {
  const resolve = `--resolve app.nines.test:${edge.httpPort}:${edge.httpAddress}`
  const base = `http://app.nines.test:${edge.httpPort}`
  return [
    'Through the edge router (it balances across the three stacks and routes around failures):',
    `  curl -s ${resolve} ${base}/`,
    `  curl -sN ${resolve} ${base}/api/events   # server-sent events pass through`,
    `  curl -s http://${edge.adminAddress}:${edge.adminPort}/status   # pools as the router sees them`,
  ]
}

/** The local CA every DoH and DoT client must trust, relative to the root (the working directory). */
const caFile = 'var/tls/ca.pem'

/** DoH (JSON and RFC 8484) and DoT, each trusting only the local CA. */
function secureLines(ns1: DnsInstanceEntry, ns2: DnsInstanceEntry): string[] {
  const json = `https://${ns1.dnsAddress}:${ns1.dohPort}/resolve?name=app.nines.test&type=A`
  return [
    `Over DoH and DoT (certificates of the local CA ${caFile}, made at the first start; not trusted system-wide):`,
    `  curl -s --cacert ${caFile} '${json}'`,
    `  kdig @${ns2.dnsAddress} -p ${ns2.dohPort} +https +tls-ca=${caFile} app.nines.test   # RFC 8484`,
    `  kdig @${ns1.dnsAddress} -p ${ns1.dotPort} +tls-ca=${caFile} app.nines.test   # DoT`,
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
