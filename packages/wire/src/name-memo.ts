import { nameKey } from './names.js'

const SLOT_BITS = 8
const HASHED_BYTES = 8

/**
 * A direct-mapped memo of recently asked names: wire bytes → nameKey. Under load most queries ask
 * a few names again and again, and building the key (a native latin1 slice, then hashing the new
 * string for the Map lookup) costs more than the rest of the parse. A slot holds one name's
 * lowercased bytes and its key; a hit compares bytes in JS and returns the stored string, a miss
 * builds the key and takes the slot. Random names only miss: memory stays bounded (256 slots).
 */
export class NameMemo {
  private readonly bytes: (Uint8Array | undefined)[] = new Array(1 << SLOT_BITS).fill(undefined)
  private readonly keys: string[] = new Array<string>(1 << SLOT_BITS).fill('')

  /** nameKey(buf, start, end) for an uncompressed wire name. */
  keyOf(buf: Buffer, start: number, end: number): string {
    const length = end - start
    // FNV-1a over the length and the first bytes, lowercased as in nameKey (RFC 4343): names of one
    // DNS zone differ at the front, and the full compare below settles it.
    let hash = Math.imul(0x811c9dc5 ^ length, 0x01000193)
    const hashEnd = Math.min(end, start + HASHED_BYTES)
    for (let i = start; i < hashEnd; i++) {
      const b = buf[i]!
      hash = Math.imul(hash ^ (b >= 0x41 && b <= 0x5a ? b | 0x20 : b), 0x01000193)
    }
    const slot = hash >>> (32 - SLOT_BITS)
    const known = this.bytes[slot]
    if (known !== undefined && known.length === length && sameFolded(known, buf, start)) {
      return this.keys[slot]!
    }
    const key = nameKey(buf, start, end)
    const folded = new Uint8Array(length)
    for (let i = 0; i < length; i++) folded[i] = key.charCodeAt(i)
    this.bytes[slot] = folded
    this.keys[slot] = key
    return key
  }
}

function sameFolded(known: Uint8Array, buf: Buffer, start: number): boolean {
  for (let i = 0; i < known.length; i++) {
    const b = buf[start + i]!
    if (known[i] !== (b >= 0x41 && b <= 0x5a ? b | 0x20 : b)) return false
  }
  return true
}
