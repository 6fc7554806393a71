// Big-endian 16-bit fields at offsets the caller has bounds-checked. Buffer#readUInt16BE and
// #writeUInt16BE validate their arguments on every call, which was about a tenth of the query
// handler's time (--cpu-prof); these inline to two byte accesses.

export function u16(buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!
}

/** `value` must be 0..0xffff. */
export function putU16(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value >>> 8
  buf[at + 1] = value & 0xff
}
