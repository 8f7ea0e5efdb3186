/**
 * Identity and device keys (DESIGN.md "Identity and keys").
 *
 * The identity key (Ed25519) is the user's long-term key; the device key is the libp2p peer key.
 * A device certificate binds the two in both directions: the identity signs (identity, peer id)
 * and the device signs (identity, peer id) back. Either signature alone proves too little: an
 * identity's signature over somebody else's peer id would let anyone (a mailbox host, say) claim
 * a device it does not hold, and a device's signature alone would let a device claim an identity.
 * A certificate is the 64-byte identity signature followed by the 64-byte device signature.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf, publicKeyFromProtobuf, publicKeyFromRaw, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromMultihash, peerIdFromPrivateKey } from '@libp2p/peer-id'
import { base58btc } from 'multiformats/bases/base58'
import * as Digest from 'multiformats/hashes/digest'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { InvalidInputError } from '../errors.js'
import type { Ed25519PrivateKey, Ed25519PublicKey, PeerId } from '@libp2p/interface'

const IDENTITY_SIGNS = fromString('ferry-device-certificate-v2')
const DEVICE_SIGNS = fromString('ferry-device-cross-signature-v2')

/** A device certificate: the identity's signature, then the device's (Ed25519, 64 bytes each). */
export const DEVICE_CERTIFICATE_BYTES = 128

/**
 * The identity key as a device keeps it: the private key on the device that holds it, the public
 * key alone on a linked device that does not (docs/identity-custody.md). What a device signs for
 * the identity goes through signer.ts `signFor`, which picks the key it has.
 */
export type IdentityKey = Ed25519PrivateKey | { publicKey: Ed25519PublicKey }

/** Whether this device holds the identity private key. */
export function holdsIdentityKey (key: IdentityKey): key is Ed25519PrivateKey {
  return 'sign' in key
}

/**
 * The identity key as stored and sent: the private key's libp2p protobuf on its holder, the
 * public key's on a device without it.
 */
export function identityKeyToBytes (key: IdentityKey): Uint8Array {
  return holdsIdentityKey(key) ? privateKeyToProtobuf(key) : publicKeyToProtobuf(key.publicKey)
}

/**
 * Read what identityKeyToBytes wrote (an Ed25519 private key's protobuf carries 64 bytes of key,
 * a public key's 32).
 *
 * @throws InvalidInputError when it is neither an Ed25519 private nor public key
 */
export function identityKeyFromBytes (bytes: Uint8Array): IdentityKey {
  try {
    const key = privateKeyFromProtobuf(bytes)
    if (key.type === 'Ed25519') return key
  } catch {}
  try {
    const publicKey = publicKeyFromProtobuf(bytes)
    if (publicKey.type === 'Ed25519') return { publicKey }
  } catch {}
  throw new InvalidInputError('not an Ed25519 identity key')
}

/** Only the device that holds the identity key can do this (certify a device, sign the device list, export a backup). */
export class IdentityKeyNotHeldError extends Error {
  override name = 'IdentityKeyNotHeldError'
}

/**
 * The identity private key, for what only its holder may do.
 *
 * @throws IdentityKeyNotHeldError on a linked device that does not hold it
 */
export function heldIdentityKey (key: IdentityKey): Ed25519PrivateKey {
  if (!holdsIdentityKey(key)) throw new IdentityKeyNotHeldError('this device does not hold the identity key: do this on the device that does (the first one, or where a backup was restored)')
  return key
}

/** The keys of this user and this device. */
export interface Identity {
  /** Ed25519 identity key: who the user is (the private key only on the device that holds it) */
  identityKey: IdentityKey
  /** libp2p peer key: which device */
  deviceKey: Ed25519PrivateKey
  /** the device certificate (DEVICE_CERTIFICATE_BYTES): identity and device each sign both keys */
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
  const deviceSignature = await certifyDevice(identityKey, deviceKey)
  return { identityKey, deviceKey, deviceSignature }
}

/** What both halves of a certificate sign: identity key || device peer id (multihash bytes). */
function bound (identity: Uint8Array, device: Uint8Array): Uint8Array {
  return concat([identity, device])
}

/** The identity's half of a certificate: it vouches for `device` (alone, it proves nothing). */
export async function signDevice (identityKey: Ed25519PrivateKey, device: PeerId): Promise<Uint8Array> {
  return identityKey.sign(concat([IDENTITY_SIGNS, bound(identityKey.publicKey.raw, device.toMultihash().bytes)]))
}

/** The device's half of a certificate: it agrees to speak for `identity`. */
export async function crossSignDevice (deviceKey: Ed25519PrivateKey, identity: Uint8Array): Promise<Uint8Array> {
  return deviceKey.sign(concat([DEVICE_SIGNS, bound(identity, peerIdFromPrivateKey(deviceKey).toMultihash().bytes)]))
}

/**
 * A device certificate for `deviceKey` under `identityKey`: both keys sign (identity, peer id).
 *
 * @example
 * const cert = await certifyDevice(me.identityKey, me.deviceKey)
 */
export async function certifyDevice (identityKey: Ed25519PrivateKey, deviceKey: Ed25519PrivateKey): Promise<Uint8Array> {
  const [byIdentity, byDevice] = await Promise.all([signDevice(identityKey, peerIdFromPrivateKey(deviceKey)), crossSignDevice(deviceKey, identityKey.publicKey.raw)])
  return concat([byIdentity, byDevice], DEVICE_CERTIFICATE_BYTES)
}

/**
 * Check a device certificate: `identity` (raw Ed25519 public key) vouches for `device` (peer id
 * multihash bytes) and the device's own key, which an Ed25519 peer id carries, vouches back.
 *
 * @returns false for any bad key, peer id, length or signature; never throws
 */
export async function verifyDevice (identity: Uint8Array, device: Uint8Array, certificate: Uint8Array): Promise<boolean> {
  try {
    if (certificate.byteLength !== DEVICE_CERTIFICATE_BYTES) return false
    const identityKey = publicKeyFromRaw(identity)
    const deviceKey = peerIdFromMultihash(Digest.decode(device)).publicKey
    if (identityKey.type !== 'Ed25519' || deviceKey?.type !== 'Ed25519') return false
    const signed = bound(identity, device)
    const [a, b] = await Promise.all([
      identityKey.verify(concat([IDENTITY_SIGNS, signed]), certificate.subarray(0, 64)),
      deviceKey.verify(concat([DEVICE_SIGNS, signed]), certificate.subarray(64))
    ])
    return a && b
  } catch {
    return false
  }
}

/**
 * `me` with a certificate of the current form: identities made before certificates were
 * cross-signed carry the identity's half only; both keys are here, so it is made anew.
 */
export async function withDeviceCertificate (me: Identity): Promise<Identity> {
  if (await verifyDevice(me.identityKey.publicKey.raw, peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes, me.deviceSignature)) return me
  // only a holder made such certificates (a device without the key was linked with a current one)
  return { ...me, deviceSignature: await certifyDevice(heldIdentityKey(me.identityKey), me.deviceKey) }
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
