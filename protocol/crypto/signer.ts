/**
 * Signatures made for an identity, by the identity key itself or by one of its certified devices
 * (docs/identity-custody.md). A device that does not hold the identity key signs
 * `"ferry-device-signs-for-v1" || identity || statement` with its device key and hands out, with
 * the signature, the Signer: its peer id and its device certificate. The label keeps these
 * signatures apart from everything else the same key signs (Noise handshakes, libp2p records,
 * team room operations), which all carry labels of their own.
 *
 * A certificate proves the identity once certified the device; it does not say the device is
 * still listed. Verifiers that know the identity's device list pass `revoked` as well.
 */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { DEVICE_CERTIFICATE_BYTES, holdsIdentityKey, peerIdFromBytes, verifyDevice } from './identity.js'
import type { CryptoBackend } from './backend.js'
import type { Identity } from './identity.js'

const DEVICE_SIGNS_FOR = fromString('ferry-device-signs-for-v1')

/** A device that signed for its identity: its peer id (multihash bytes) and its device certificate. */
export interface Signer {
  device: Uint8Array
  certificate: Uint8Array
}

/** A signature for an identity, and the device that made it when the identity key did not. */
export interface SignedFor {
  signature: Uint8Array
  signer?: Signer
}

/** How a signature for an identity is checked: by which key, over which bytes. */
export interface SigningKey {
  /** raw Ed25519 public key: the identity's, or the signing device's */
  key: Uint8Array
  /** the bytes that key signs for `statement` */
  message: (statement: Uint8Array) => Uint8Array
}

/** Longest peer id a signer may name (an Ed25519 peer id is 38 bytes). */
const MAX_PEER_ID_BYTES = 64

/**
 * Check a signer's shape (not its certificate: see signingKey).
 *
 * @throws `ErrorType` naming `field`
 */
export function checkSigner (signer: Signer, field: string, ErrorType: new (message: string) => Error): void {
  if (!(signer?.device instanceof Uint8Array) || signer.device.byteLength === 0 || signer.device.byteLength > MAX_PEER_ID_BYTES || !(signer.certificate instanceof Uint8Array) || signer.certificate.byteLength !== DEVICE_CERTIFICATE_BYTES) {
    throw new ErrorType(`"${field}" must be a peer id and a ${DEVICE_CERTIFICATE_BYTES}-byte device certificate`)
  }
}

/** What a device signs for `identity`. */
function forIdentity (identity: Uint8Array, statement: Uint8Array): Uint8Array {
  return concat([DEVICE_SIGNS_FOR, identity, statement])
}

/**
 * Sign `statement` for `me`'s identity as this device, with its certificate as the signer.
 *
 * @example
 * const { signature, signer } = await signAsDevice(crypto, me, statement)
 */
export async function signAsDevice (crypto: CryptoBackend, me: Identity, statement: Uint8Array): Promise<{ signature: Uint8Array, signer: Signer }> {
  const signature = await crypto.sign(me.deviceKey, forIdentity(me.identityKey.publicKey.raw, statement))
  return { signature: new Uint8Array(signature), signer: deviceSigner(me) }
}

/** This device as a signer for its identity: its peer id and certificate. */
export function deviceSigner (me: Identity): Signer {
  return { device: peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes, certificate: me.deviceSignature }
}

/**
 * Sign `statement` for `me`'s identity: with the identity key on the device that holds it, else
 * as this device (the signature then comes with its signer).
 *
 * @example
 * const { signature, signer } = await signFor(crypto, me, statement)
 */
export async function signFor (crypto: CryptoBackend, me: Identity, statement: Uint8Array): Promise<SignedFor> {
  if (holdsIdentityKey(me.identityKey)) return { signature: new Uint8Array(await crypto.sign(me.identityKey, statement)) }
  return await signAsDevice(crypto, me, statement)
}

/**
 * The key that checks signatures made for `identity`: the identity's own without a signer, else
 * the signer's device key, when its certificate holds for `identity` and `revoked` does not name it.
 *
 * @param revoked - whether the identity's device list revoked a device (peer id multihash bytes)
 * @returns undefined when the signer is malformed, not certified by `identity`, or revoked
 */
export async function signingKey (identity: Uint8Array, signer?: Signer, revoked?: (device: Uint8Array) => boolean): Promise<SigningKey | undefined> {
  if (signer == null) return { key: identity, message: statement => statement }
  if (!(signer.device instanceof Uint8Array) || signer.certificate?.byteLength !== DEVICE_CERTIFICATE_BYTES) return undefined
  if (revoked?.(signer.device) === true) return undefined
  if (!await verifyDevice(identity, signer.device, signer.certificate)) return undefined
  const key = peerIdFromBytes(signer.device).publicKey // verifyDevice checked it is an Ed25519 key
  if (key == null) return undefined
  return { key: key.raw, message: statement => forIdentity(identity, statement) }
}

/**
 * Check a signature made for `identity`, by the identity key or (with `signer`) by a certified device.
 *
 * @returns false for any bad key, certificate, signature or a revoked signer; never throws
 */
export async function verifyFor (crypto: CryptoBackend, identity: Uint8Array, statement: Uint8Array, signature: Uint8Array, signer?: Signer, revoked?: (device: Uint8Array) => boolean): Promise<boolean> {
  const by = await signingKey(identity, signer, revoked)
  return by != null && await crypto.verify(by.key, by.message(statement), signature)
}
