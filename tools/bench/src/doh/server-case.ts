// What the DoH bench needs from each server it compares: like the DNS bench's ServerCase, but started
// with a TLS certificate and a DoH port (and, for nines, a UDP port for context).
import type { CertificatePair } from '@nines/local-stack'
import type { RunningServer } from '../dns/server-case.js'

export interface DohStartContext {
  /** a fresh directory for this server's config, state and log */
  readonly dir: string
  /** the HTTPS port of DoH (`https://127.0.0.1:PORT/dns-query`) */
  readonly port: number
  /** a free port for plain DNS over UDP and TCP, for servers that also serve it */
  readonly dnsPort: number
  /** the leaf for 127.0.0.1, issued by the bench's local CA */
  readonly tls: CertificatePair
  /** taskset CPU list to pin the server to */
  readonly cpu?: string
}

export interface DohServerCase {
  /** the name used on the command line (`--cases`) */
  readonly name: string
  /** the row label in the report */
  readonly label: string
  /** peers are skipped with a note when they cannot run; nines is required */
  readonly optional: boolean
  /** set when the server also serves plain DNS on `dnsPort` and the UDP figure is worth a row */
  readonly udpContext?: boolean
  /** why it cannot run here, or undefined when it can */
  unavailable(): string | undefined
  start(context: DohStartContext): Promise<RunningServer>
}
