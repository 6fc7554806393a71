/**
 * What `npm start` runs, as a constant table. It mirrors `examples/local.yaml`: the runner has no YAML
 * parser (node built-ins only), so local-stack.test.ts checks this table against the file's text.
 */
export interface DemoEndpointEntry {
  /** The endpoint's name in the pool, and the label of its output lines. */
  name: string
  stack: 'node-http' | 'hono' | 'raw'
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
}

export type DaemonInstanceEntry = DnsInstanceEntry | EdgeInstanceEntry

export interface LocalStack {
  /** Relative to the repository root, which is every child's working directory. */
  configPath: string
  endpoints: readonly DemoEndpointEntry[]
  instances: readonly DaemonInstanceEntry[]
  /** The example page (`examples/browser/`, the client at `/client/`), served over plain HTTP. */
  page: { address: string; port: number; dir: string; clientDir: string }
  /** The pool's check, for the hints printed at start-up. */
  check: { intervalMs: number; timeoutMs: number; rise: number; fall: number }
}

export const localStack: LocalStack = {
  configPath: 'examples/local.yaml',
  endpoints: [
    { name: 'a', stack: 'node-http', address: '127.0.0.11', port: 8080 },
    { name: 'b', stack: 'hono', address: '127.0.0.12', port: 8080 },
    { name: 'c', stack: 'raw', address: '127.0.0.13', port: 8080 },
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
    },
    {
      role: 'edge',
      name: 'edge1',
      httpAddress: '127.0.0.1',
      httpPort: 8080,
      adminAddress: '127.0.0.1',
      adminPort: 9311,
    },
  ],
  page: { address: '127.0.0.1', port: 8090, dir: 'examples/browser', clientDir: 'packages/client/dist' },
  check: { intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 3 },
}
