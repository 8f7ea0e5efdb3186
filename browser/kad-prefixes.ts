/**
 * The web app's stand-in for @libp2p/kad-dht's generated prefix list (routing-table/refresh.js),
 * swapped in by browser/build.mjs. kad-dht refreshes a bucket of its routing table by looking up
 * a key whose Kademlia id (the SHA-256 of the key) begins with chosen bits; to find such a key
 * fast it ships a precomputed table of 16,384 numbers — 97 KiB of the page, more than any other
 * module, for a lookup a browser makes a few times every ten minutes. This finds the number when
 * asked instead: the first n whose key's id matches the top 14 bits of the index asked for (the
 * table's own precision), ~16,000 hashes, a few milliseconds, remembered once found.
 */
import { sha256 } from '@noble/hashes/sha2.js'

const found = new Map<number, number>()

/** The first n whose key [sha2-256 multihash of n, big-endian in 4 bytes] has an id starting with `prefix`'s top 14 bits. */
function keyPrefix (prefix: number): number {
  const known = found.get(prefix)
  if (known != null) return known
  const key = new Uint8Array(34)
  key[0] = 0x12
  key[1] = 32
  const view = new DataView(key.buffer)
  for (let n = 0; n < 2 ** 32; n++) {
    view.setUint32(2, n)
    const id = sha256(key)
    if (((id[0] << 6) | (id[1] >> 2)) === (prefix >> 2)) {
      found.set(prefix, n)
      return n
    }
  }
  return 0
}

/** Indexed as the generated table is: list[prefix]. */
export default new Proxy([] as number[], {
  get (target, property) {
    if (typeof property === 'string' && /^\d+$/.test(property) && Number(property) < 65536) return keyPrefix(Number(property))
    return Reflect.get(target, property)
  }
})
