/**
 * Fuzz inputs (fast-check arbitraries): random bytes, and valid encodings mutated — bit flips,
 * truncation, protobuf length fields changed, bytes inserted, deleted, overwritten or repeated —
 * so inputs get past the first check of a decoder and reach the later ones.
 */
import fc from 'fast-check'

type Mutation = (b: Uint8Array) => Uint8Array

/** Start and end of every varint that could be a protobuf length, with the length it holds (nested fields too). */
function lengthFields (b: Uint8Array, from = 0, to = b.length, depth = 0, out: Array<{ at: number, end: number, len: number }> = []): typeof out {
  let i = from
  const varint = (): number | undefined => {
    let n = 0
    for (let shift = 0; shift < 35; shift += 7) {
      if (i >= to) return undefined
      const byte = b[i++]
      n += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) return n
    }
    return undefined
  }
  while (i < to) {
    const key = varint()
    if (key == null) return out
    const wire = key & 7
    if (wire === 0) { if (varint() == null) return out } else if (wire === 1) i += 8
    else if (wire === 5) i += 4
    else if (wire === 2) {
      const at = i
      const len = varint()
      if (len == null || i + len > to) return out
      out.push({ at, end: i, len })
      if (depth < 4) lengthFields(b, i, i + len, depth + 1, out)
      i += len
    } else return out
  }
  return out
}

function encodeVarint (n: number): number[] {
  const out: number[] = []
  do { out.push((n % 128) | (n >= 128 ? 0x80 : 0)); n = Math.floor(n / 128) } while (n > 0)
  return out
}

const splice = (b: Uint8Array, at: number, remove: number, insert: ArrayLike<number> = []): Uint8Array => {
  const out = new Uint8Array(b.length - remove + insert.length)
  out.set(b.subarray(0, at))
  out.set(insert, at)
  out.set(b.subarray(at + remove), at + insert.length)
  return out
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat({ max: 7 })).map(([p, bit]): Mutation => b => {
    if (b.length === 0) return b
    const c = b.slice()
    c[p % c.length] ^= 1 << bit
    return c
  }),
  fc.nat().map((n): Mutation => b => b.subarray(0, n % (b.length + 1))),
  fc.tuple(fc.nat(), fc.oneof(fc.integer({ min: -8, max: 8 }), fc.integer({ min: -100_000, max: 100_000 }), fc.constant(2 ** 32 - 1))).map(([p, delta]): Mutation => b => {
    const fields = lengthFields(b)
    if (fields.length === 0) return b
    const f = fields[p % fields.length]
    return splice(b, f.at, f.end - f.at, encodeVarint(Math.max(0, delta === 2 ** 32 - 1 ? delta : f.len + delta)))
  }),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 32 })).map(([p, bytes]): Mutation => b => splice(b, p % (b.length + 1), 0, bytes)),
  fc.tuple(fc.nat(), fc.nat({ max: 64 })).map(([p, n]): Mutation => b => b.length === 0 ? b : splice(b, p % b.length, Math.min(n, b.length - p % b.length))),
  fc.tuple(fc.nat(), fc.nat({ max: 255 })).map(([p, v]): Mutation => b => {
    if (b.length === 0) return b
    const c = b.slice()
    c[p % c.length] = v
    return c
  }),
  fc.tuple(fc.nat(), fc.nat({ max: 256 }), fc.nat()).map(([p, n, q]): Mutation => b => {
    if (b.length === 0) return b
    const start = p % b.length
    return splice(b, q % (b.length + 1), 0, b.slice(start, start + n))
  })
)

/** Random bytes (1 in 5) or one of `seeds` with one to five mutations. */
export function fuzzInput (seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const mutated = fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 5 }))
    .map(([i, ms]) => ms.reduce((b, m) => m(b), seeds[i]))
  return fc.oneof({ weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }) }, { weight: 4, arbitrary: mutated })
}
