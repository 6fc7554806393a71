import { RRType, decodeMessage, encodeQuery, type DecodedMessage, type DecodedRecord } from '@nines/wire'

/** A JSON query as `GET /resolve?name=&type=` gives it, or why it cannot be one. */
export type JsonQuery = { ok: true; message: Buffer; wire: boolean } | { ok: false; error: string }

const TYPE_NUMBERS: ReadonlyMap<string, number> = new Map(
  Object.entries(RRType).map(([name, value]) => [name.toLowerCase(), value]),
)

const TRUE = new Set(['1', 'true'])
const FALSE = new Set(['', '0', 'false'])

/**
 * The query the JSON API's parameters describe (Google's and Cloudflare's names): `name`, `type`
 * (mnemonic or number, default A), `do`, `cd`, `edns_client_subnet`, and `ct=application/dns-message`
 * for a wire-format reply. Built with `encodeQuery`, so it takes the handler's ordinary path.
 */
export function jsonQuery(params: URLSearchParams): JsonQuery {
  const name = params.get('name')
  if (name === null || name === '') return { ok: false, error: 'name: required' }
  const typeText = (params.get('type') ?? 'A').trim()
  const type = /^\d{1,5}$/.test(typeText) ? Number(typeText) : TYPE_NUMBERS.get(typeText.toLowerCase())
  if (type === undefined || type < 1 || type > 65_535) {
    return {
      ok: false,
      error: `type: expected a type such as A, AAAA or 28, got ${JSON.stringify(typeText)}`,
    }
  }
  const flags: Record<'do' | 'cd', boolean> = { do: false, cd: false }
  for (const key of ['do', 'cd'] as const) {
    const value = params.get(key)?.toLowerCase()
    if (value === undefined) continue
    if (!TRUE.has(value) && !FALSE.has(value)) {
      return { ok: false, error: `${key}: expected 0, 1, true or false, got ${JSON.stringify(value)}` }
    }
    flags[key] = TRUE.has(value)
  }
  const ecs = params.get('edns_client_subnet') ?? undefined
  const ct = params.get('ct')
  if (ct !== null && ct !== '' && ct !== 'application/dns-message' && ct !== 'application/dns-json') {
    return { ok: false, error: `ct: expected application/dns-message or application/dns-json` }
  }
  try {
    const message = encodeQuery({
      id: 0,
      name,
      type,
      cd: flags.cd,
      ...(flags.do || ecs !== undefined
        ? { edns: { doBit: flags.do, ...(ecs !== undefined ? { ecs: ecsWithPrefix(ecs) } : {}) } }
        : {}),
    })
    return { ok: true, message, wire: ct === 'application/dns-message' }
  } catch (error) {
    const reason = (error as Error).message
    return {
      ok: false,
      error: reason.startsWith('edns.ecs') ? `edns_client_subnet: ${reason.slice(10)}` : `name: ${reason}`,
    }
  }
}

// Google accepts a bare address as its full-length prefix.
function ecsWithPrefix(ecs: string): string {
  return ecs.includes('/') ? ecs : `${ecs}/${ecs.includes(':') ? 128 : 32}`
}

/** The JSON body of a reply, in the shape Google's and Cloudflare's JSON APIs give. */
export function renderJson(reply: Buffer): string {
  const message: DecodedMessage = decodeMessage(reply)
  const out: Record<string, unknown> = {
    Status: message.rcode,
    TC: message.tc,
    RD: message.rd,
    RA: message.ra,
    AD: message.ad,
    CD: message.cd,
    Question: message.question.map((q) => ({ name: fqdn(q.name), type: q.type })),
  }
  if (message.answers.length > 0) out.Answer = message.answers.map(record)
  if (message.authority.length > 0) out.Authority = message.authority.map(record)
  if (message.additional.length > 0) out.Additional = message.additional.map(record)
  const ecs = message.edns?.ecs
  if (ecs !== undefined) out.edns_client_subnet = `${ecs.address}/${ecs.scopePrefix}`
  return JSON.stringify(out)
}

function record(r: DecodedRecord): { name: string; type: number; TTL: number; data: string } {
  return { name: fqdn(r.name), type: r.type, TTL: r.ttl, data: presentData(r) }
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`
}

// The public JSON APIs write names in data fully qualified (`www.example.com.`), as zone files do.
function presentData(r: DecodedRecord): string {
  switch (r.type) {
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
    case RRType.MX:
    case RRType.SRV:
      return fqdn(r.data)
    case RRType.SOA: {
      const [mname, rname, ...rest] = r.data.split(' ')
      return [fqdn(mname!), fqdn(rname!), ...rest].join(' ')
    }
    default:
      return r.data
  }
}
