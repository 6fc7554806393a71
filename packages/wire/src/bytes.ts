// Byte access on the query path, at offsets the caller has bounds-checked. Buffer#readUInt16BE,
// #writeUInt16BE and #copy validate their arguments on every call, which was about a tenth of the
// query handler's time (--cpu-prof); these inline to plain byte accesses.

export function u16(buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!
}

/** `value` must be 0..0xffff. */
export function putU16(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value >>> 8
  buf[at + 1] = value & 0xff
}

/** Copies `from[start, end)` to `to[at]`: a few dozen bytes at most, where a loop beats Buffer#copy. */
export function copyBytes(from: Uint8Array, start: number, end: number, to: Uint8Array, at: number): void {
  for (let i = start; i < end; i++) to[at + i - start] = from[i]!
}
