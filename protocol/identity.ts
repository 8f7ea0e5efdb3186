/**
 * Identity and device keys (DESIGN.md "Identity and keys").
 *
 * The identity key (Ed25519) is the user's long-term key; the device key is the libp2p peer key.
 * A device certificate is the identity's signature over the device's peer id, so a peer id can be
 * tied to an identity without trusting the network that delivered it.
 */
import { generateKeyPair, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromMultihash, peerIdFromPrivateKey } from '@libp2p/peer-id'
import { base58btc } from 'multiformats/bases/base58'
import * as Digest from 'multiformats/hashes/digest'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { InvalidInputError } from './errors.js'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'

const DEVICE_CERT_CONTEXT = fromString('ferry-device-certificate-v1')

/** The keys of this user and this device. */
export interface Identity {
  /** Ed25519 identity key: who the user is */
  identityKey: Ed25519PrivateKey
  /** libp2p peer key: which device */
  deviceKey: Ed25519PrivateKey
  /** identity signature over the device peer id */
  deviceSignature: Uint8Array
}

/**
 * Create a fresh identity with one device.
 *
 * @example
 * const me = await createIdentity()
 */
export async function createIdentity (): Promise<Identity> {
  const identityKey = await generateKeyPair('Ed25519')
  const deviceKey = await generateKeyPair('Ed25519')
  const deviceSignature = await signDevice(identityKey, peerIdFromPrivateKey(deviceKey))
  return { identityKey, deviceKey, deviceSignature }
}

/** Sign the device certificate: identity key over context || peer id bytes. */
export async function signDevice (identityKey: Ed25519PrivateKey, device: PeerId): Promise<Uint8Array> {
  return identityKey.sign(concat([DEVICE_CERT_CONTEXT, device.toMultihash().bytes]))
}

/**
 * Check that `identity` (raw Ed25519 public key) vouches for `device`.
 *
 * @returns false for any bad key, peer id or signature; never throws
 */
export async function verifyDevice (identity: Uint8Array, device: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    const key = publicKeyFromRaw(identity)
    if (key.type !== 'Ed25519') return false
    return await key.verify(concat([DEVICE_CERT_CONTEXT, device]), signature)
  } catch {
    return false
  }
}

/** The printable form of an identity public key: base58btc multibase ("z..."). */
export function identityToString (identity: Uint8Array): string {
  return base58btc.encode(identity)
}

/**
 * Parse an identity string made by identityToString.
 *
 * @throws InvalidInputError when it is not a 32-byte base58btc key
 */
export function identityFromString (str: string): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = base58btc.decode(str)
  } catch {
    throw new InvalidInputError(`"${str.slice(0, 20)}" is not an identity (base58btc, starting with "z")`)
  }
  if (bytes.byteLength !== 32) throw new InvalidInputError('an identity is a 32-byte Ed25519 public key')
  return bytes
}

/**
 * Parse peer id bytes (a multihash) as found on the wire.
 *
 * @throws InvalidInputError on anything that is not a peer id
 */
export function peerIdFromBytes (bytes: Uint8Array): PeerId {
  try {
    return peerIdFromMultihash(Digest.decode(bytes))
  } catch {
    throw new InvalidInputError('not a peer id')
  }
}
