/**
 * The byte layer shared by the key payload and the key state encodings: unsigned LEB128 varints
 * (at most 2^32 - 1), raw 32-byte member ids and keys, length-prefixed byte strings. Every read
 * checks the remaining length before it allocates, and throws the error class the caller names
 * (MalformedKeyPayloadError on the wire, MalformedKeyStateError at rest).
 */
import { InvalidKeyOperationError } from './key-errors.js'

/** A member of a team room: lowercase hex of its 32-byte identity key. */
export type MemberId = string

export const KEY_BYTES = 32
export const MAX_U32 = 0xffff_ffff
const MEMBER_ID = /^[0-9a-f]{64}$/

/** @throws InvalidKeyOperationError when `id` is not 64 lowercase hex characters */
export function checkMemberId (id: unknown, what = 'member id'): asserts id is MemberId {
  if (typeof id !== 'string' || !MEMBER_ID.test(id)) throw new InvalidKeyOperationError(`${what} must be 64 lowercase hex characters`)
}

export function idToBytes (id: MemberId): Uint8Array {
  const out = new Uint8Array(id.length >> 1)
  for (let i = 0; i < out.byteLength; i++) out[i] = parseInt(id.slice(2 * i, 2 * i + 2), 16)
  return out
}

export function bytesToId (bytes: Uint8Array): MemberId {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

export function u32 (v: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, v)
  return out
}

/** u32 length || UTF-8 of a group id, for associated data and KDF labels */
export function groupBytes (groupId: string): Uint8Array {
  const g = new TextEncoder().encode(groupId)
  return concatBytes(u32(g.byteLength), g)
}

export function concatBytes (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let acc = 0
  for (let i = 0; i < a.byteLength; i++) acc |= a[i] ^ b[i]
  return acc === 0
}

/** Appends fields to a growing buffer. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = []

  u8 (v: number): this {
    this.parts.push(Uint8Array.of(v & 0xff))
    return this
  }

  varint (v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > MAX_U32) throw new RangeError(`varint out of range: ${v}`)
    const out: number[] = []
    let x = v
    while (x >= 0x80) {
      out.push((x % 0x80) | 0x80)
      x = Math.floor(x / 0x80)
    }
    out.push(x)
    this.parts.push(Uint8Array.from(out))
    return this
  }

  /** exactly `length` bytes, no prefix */
  fixed (bytes: Uint8Array, length: number): this {
    if (bytes.byteLength !== length) throw new RangeError(`expected ${length} bytes, got ${bytes.byteLength}`)
    this.parts.push(bytes)
    return this
  }

  id (id: MemberId): this {
    return this.fixed(idToBytes(id), KEY_BYTES)
  }

  bytes (bytes: Uint8Array): this {
    this.varint(bytes.byteLength)
    this.parts.push(bytes)
    return this
  }

  finish (): Uint8Array {
    return concatBytes(...this.parts)
  }
}

/** Reads fields with hard bounds; every failure is an instance of the error class given. */
export class ByteReader {
  private at = 0
  constructor (private readonly buf: Uint8Array, private readonly Fail: new (message: string) => Error) {}

  fail (message: string): never {
    throw new this.Fail(message)
  }

  get remaining (): number {
    return this.buf.byteLength - this.at
  }

  u8 (): number {
    if (this.remaining < 1) this.fail('truncated')
    return this.buf[this.at++]
  }

  varint (max = MAX_U32): number {
    let v = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.u8()
      v += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) {
        if (v > max) this.fail(`value ${v} above its bound ${max}`)
        if (shift > 0 && b === 0) this.fail('non-minimal varint')
        return v
      }
    }
    return this.fail('varint too long')
  }

  /** a count of items of at least `minItemBytes` each, checked against what is left before anything is allocated */
  count (max: number, minItemBytes: number): number {
    const n = this.varint(max)
    if (n * minItemBytes > this.remaining) this.fail(`count ${n} cannot fit in ${this.remaining} bytes`)
    return n
  }

  fixed (length: number): Uint8Array {
    if (this.remaining < length) this.fail('truncated')
    const out = this.buf.slice(this.at, this.at + length)
    this.at += length
    return out
  }

  id (): MemberId {
    return bytesToId(this.fixed(KEY_BYTES))
  }

  bytes (max: number): Uint8Array {
    return this.fixed(this.varint(max))
  }

  /** strictly ascending ids: sorted and without duplicates */
  sortedIds (max: number): MemberId[] {
    const n = this.count(max, KEY_BYTES)
    const ids: MemberId[] = []
    for (let i = 0; i < n; i++) {
      const id = this.id()
      if (i > 0 && !(ids[i - 1] < id)) this.fail('member ids must be sorted and unique')
      ids.push(id)
    }
    return ids
  }

  end (): void {
    if (this.remaining !== 0) this.fail(`${this.remaining} trailing bytes`)
  }
}
