/** A peer address as forwarding headers carry it: IPv4-mapped IPv6 (`::ffff:10.1.2.3`) as the IPv4 address. */
export function clientAddress(address: string): string {
  return address.length > 7 &&
    address.charCodeAt(0) === 58 && // ':'
    /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address)
    ? address.slice(7)
    : address
}

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

// The last host and its form: a router mostly sees the same few Host values, one after another.
let lastHost: string | undefined
let lastQuoted = ''

function quoteIfNeeded(value: string): string {
  if (value === lastHost) return lastQuoted
  lastQuoted = token.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`
  lastHost = value
  return lastQuoted
}

/**
 * One RFC 7239 `Forwarded` element for this hop: `for=192.0.2.7;proto=https;host=app.nines.test`. IPv6
 * nodes are bracketed and quoted (`for="[2001:db8::7]"`), values that are not tokens are quoted.
 */
export function forwardedElement(forAddress: string, proto: string, host: string | undefined): string {
  const node = forAddress.includes(':') ? `"[${forAddress}]"` : forAddress
  const base = `for=${node};proto=${proto}`
  return host === undefined || host === '' ? base : `${base};host=${quoteIfNeeded(host)}`
}
