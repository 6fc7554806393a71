/**
 * What `npm start` runs, as a constant table. It mirrors `examples/local.yaml`: the runner has no YAML
 * parser (node built-ins only), so local-stack.test.ts checks this table against the file's text.
 */
export interface DemoEndpointEntry {
  /** The endpoint's name in its pool, and the label of its output lines. */
  name: string
  /** `app`: the API, once per stack and zone; `cms`: the single CMS, not duplicated across stacks. */
  pool: 'app' | 'cms'
  /** `tools/stacks --stack`: the API on node-http, hono or raw, or the CMS. */
  stack: 'node-http' | 'hono' | 'raw' | 'cms'
  zone: string
  address: string
  port: number
}

/** What an instance of the file runs as: the key of its entry (`dns`, `edge`). */
export type InstanceRole = 'dns' | 'edge'

interface InstanceEntryBase {
  /** The `--instance` name, and the label of its output lines. */
  name: string
  adminAddress: string
  adminPort: number
  /** Relative to the root; holds the daemon's `lock` (its pid) while it runs. */
  stateDir: string
}

/** An instance with `dns`: nines-dns on UDP and TCP, and DoH and DoT on the same address. */
export interface DnsInstanceEntry extends InstanceEntryBase {
  role: 'dns'
  dnsAddress: string
  dnsPort: number
  /** DoH (`/dns-query`, JSON `/resolve`) over HTTPS with the local CA's certificate for `host`. */
  dohPort: number
  dotPort: number
  /** The nameserver's host name, in its certificate beside `dnsAddress`. */
  host: string
}

/** An instance with `edge`: nines-edge on plain HTTP. */
export interface EdgeInstanceEntry extends InstanceEntryBase {
  role: 'edge'
  httpAddress: string
  httpPort: number
  /** Its balancing prefers the endpoints of its zone; DNS answers it first to clients of that zone. */
  zone: string
}

export type DaemonInstanceEntry = DnsInstanceEntry | EdgeInstanceEntry

export interface LocalStack {
  /** Relative to the repository root, which is every child's working directory. */
  configPath: string
  endpoints: readonly DemoEndpointEntry[]
  instances: readonly DaemonInstanceEntry[]
  /** The example page (`examples/browser/`, the client at `/client/`), served over plain HTTP. */
  page: { address: string; port: number; dir: string; clientDir: string }
  /** `dns.localities`: the zone of a client at each address (a /32); DNS answers that zone's routers first. */
  localities: readonly { address: string; zone: string }[]
  /** The pools' checks, for the timings printed at start-up: the edges' of the stacks, DNS's of the edges. */
  checks: Record<'app' | 'edges', CheckTiming>
}

export interface CheckTiming {
  intervalMs: number
  timeoutMs: number
  rise: number
  fall: number
}

const endpoint = (
  name: string,
  stack: DemoEndpointEntry['stack'],
  zone: string,
  address: string,
): DemoEndpointEntry => ({ name, pool: stack === 'cms' ? 'cms' : 'app', stack, zone, address, port: 8080 })

export const localStack: LocalStack = {
  configPath: 'examples/local.yaml',
  // Each of the three stacks once per zone (127.0.0.1x in z1, 127.0.0.2x in z2), then the single CMS.
  endpoints: [
    endpoint('a1', 'node-http', 'z1', '127.0.0.11'),
    endpoint('b1', 'hono', 'z1', '127.0.0.12'),
    endpoint('c1', 'raw', 'z1', '127.0.0.13'),
    endpoint('a2', 'node-http', 'z2', '127.0.0.21'),
    endpoint('b2', 'hono', 'z2', '127.0.0.22'),
    endpoint('c2', 'raw', 'z2', '127.0.0.23'),
    endpoint('cms', 'cms', 'z1', '127.0.0.30'),
  ],
  instances: [
    {
      role: 'dns',
      name: 'ns1',
      dnsAddress: '127.0.0.1',
      dnsPort: 5300,
      dohPort: 8443,
      dotPort: 8853,
      host: 'ns1.nines.test',
      adminAddress: '127.0.0.1',
      adminPort: 9301,
      stateDir: 'var/ns1',
    },
    {
      role: 'dns',
      name: 'ns2',
      dnsAddress: '127.0.0.2',
      dnsPort: 5300,
      dohPort: 8443,
      dotPort: 8853,
      host: 'ns2.nines.test',
      adminAddress: '127.0.0.1',
      adminPort: 9302,
      stateDir: 'var/ns2',
    },
    {
      role: 'edge',
      name: 'edge1',
      httpAddress: '127.0.0.1',
      httpPort: 8080,
      zone: 'z1',
      adminAddress: '127.0.0.1',
      adminPort: 9311,
      stateDir: 'var/edge1',
    },
    {
      role: 'edge',
      name: 'edge2',
      httpAddress: '127.0.0.2',
      httpPort: 8080,
      zone: 'z2',
      adminAddress: '127.0.0.1',
      adminPort: 9312,
      stateDir: 'var/edge2',
    },
  ],
  page: { address: '127.0.0.1', port: 8090, dir: 'examples/browser', clientDir: 'packages/client/dist' },
  localities: [
    { address: '127.0.0.1', zone: 'z1' },
    { address: '127.0.0.2', zone: 'z2' },
  ],
  checks: {
    app: { intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 3 },
    edges: { intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 2 },
  },
}
