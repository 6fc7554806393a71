/** Resource record types (IANA "Resource Record (RR) TYPEs"). */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  DS: 43,
  RRSIG: 46,
  DNSKEY: 48,
  SVCB: 64,
  HTTPS: 65,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const

export const RRClass = {
  IN: 1,
  CH: 3,
  HS: 4,
  NONE: 254,
  ANY: 255,
} as const

export const Opcode = {
  QUERY: 0,
  IQUERY: 1,
  STATUS: 2,
  NOTIFY: 4,
  UPDATE: 5,
} as const

/** Response codes; values above 15 need an OPT record (the high 8 bits ride in its TTL, RFC 6891 §6.1.3). */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  NOTAUTH: 9,
  BADVERS: 16,
} as const

/** EDNS option codes (IANA "DNS EDNS0 Option Codes (OPT)"). */
export const EdnsOptionCode = {
  NSID: 3,
  ECS: 8,
  COOKIE: 10,
  PADDING: 12,
  EDE: 15,
} as const

/** ECS address families (RFC 7871 §6, IANA address family numbers). */
export const EcsFamily = {
  IPV4: 1,
  IPV6: 2,
} as const

export const HEADER_BYTES = 12
/** The largest UDP message without EDNS (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_BYTES = 512
/** The Flag Day 2020 recommendation for our advertised EDNS UDP payload size. */
export const DEFAULT_MAX_UDP_PAYLOAD = 1232
/** A DNS message over TCP has a 16-bit length prefix (RFC 1035 §4.2.2). */
export const MAX_MESSAGE_BYTES = 65535
export const MAX_NAME_BYTES = 255
export const MAX_LABEL_BYTES = 63
/** Compression pointers carry a 14-bit offset (RFC 1035 §4.1.4). */
export const MAX_POINTER_OFFSET = 0x3fff
