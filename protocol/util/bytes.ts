/**
 * Byte helpers shared across protocol/: comparison and hex. Pure, no imports beyond the error
 * class; anything in protocol/ may import this folder, and it imports nothing else from protocol/.
 */
import { InvalidInputError } from '../errors.js'

/** Constant-length comparison of two byte arrays. */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= a[i] ^ b[i]
  return diff === 0
}

/** Lower-case hex of bytes (message ids in stores and the API). */
export function toHex (bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

/**
 * Parse lower-case hex.
 *
 * @throws InvalidInputError on odd length or non-hex characters
 */
export function fromHex (hex: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(hex)) throw new InvalidInputError('not a hex string')
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.byteLength; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}
