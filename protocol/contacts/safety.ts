/**
 * Safety numbers: a stable fingerprint of two identities that both users compare out of band
 * (Signal's NumericFingerprint, version 2). Each side's half is 30 digits derived from its
 * identity key; the halves are ordered so both users see the same 60 digits.
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import type { CryptoBackend } from '../crypto/backend.js'

/** Hash iterations per half, as Signal (makes grinding a colliding key expensive). */
export const FINGERPRINT_ITERATIONS = 5200
const VERSION = Uint8Array.from([0, 2])
const KEY_TYPE_ED25519 = Uint8Array.from([0x0e])

export interface SafetyNumber {
  /** 60 digits in 12 groups of 5, separated by spaces */
  digits: string
  /** bytes for a QR code: version || lower half || higher half (30 bytes each) */
  qr: Uint8Array
}

/** 30 bytes of iterated SHA-512 over one identity (Signal §"Fingerprint"). */
async function half (identity: Uint8Array, crypto: CryptoBackend): Promise<Uint8Array> {
  if (identity.byteLength !== 32) throw new TypeError('"identity" must be a 32-byte Ed25519 public key')
  const key = concat([KEY_TYPE_ED25519, identity])
  let hash = await crypto.sha512(concat([VERSION, key, fromString('ferry-identity')]))
  for (let i = 1; i < FINGERPRINT_ITERATIONS; i++) hash = await crypto.sha512(concat([hash, key]))
  return hash.subarray(0, 30)
}

/** Six 5-digit groups: each 5-byte chunk as a big-endian integer mod 100000. */
function digitsOf (bytes: Uint8Array): string[] {
  const groups: string[] = []
  for (let i = 0; i < 30; i += 5) {
    let n = 0
    for (let j = 0; j < 5; j++) n = n * 256 + bytes[i + j]
    groups.push(String(n % 100000).padStart(5, '0'))
  }
  return groups
}

function compare (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

/**
 * The safety number of two identities; the same whichever side computes it.
 *
 * @example
 * const { digits } = await safetyNumber(myIdentity, theirIdentity)
 */
export async function safetyNumber (mine: Uint8Array, theirs: Uint8Array, crypto: CryptoBackend): Promise<SafetyNumber> {
  const [a, b] = [await half(mine, crypto), await half(theirs, crypto)]
  const [low, high] = compare(mine, theirs) <= 0 ? [a, b] : [b, a]
  return { digits: [...digitsOf(low), ...digitsOf(high)].join(' '), qr: concat([VERSION, low, high]) }
}
