/**
 * Prekey bundles (Signal PQXDH §3.2 "Publishing keys"): what a user publishes so others can start
 * a session while the user is offline. DESIGN.md "Identity and keys": bundles travel in invites,
 * in the DHT, and one-time prekeys are handed out by the owner's mailboxes.
 *
 * Ferry's identity key is Ed25519 (it signs), so the bundle also carries an X25519 "identity DH
 * key" signed by it; that key plays the role of PQXDH's IK in DH1 and DH2 (§3.3).
 *
 * Every public key on the wire is Encode(PK) = one type byte || raw key (§2.1 EncodeEC/EncodeKEM;
 * rev. 2 requires that encodings of different key kinds cannot be confused), and every signature
 * covers a context label, the prekey id and Encode(PK), so a signature made for one purpose can
 * never be replayed for another (§4.5 "Signatures").
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { PrekeyBundle as PrekeyBundlePb } from './pb/pqxdh.js'
import { checkSigner, signingKey } from './signer.js'
import type { CryptoBackend } from './backend.js'
import type { Signer } from './signer.js'

/** The bundle (and initial message) format version this code writes and accepts. */
export const PQXDH_VERSION = 1

/**
 * Type bytes of Encode(PK). 0x05 is Signal's Curve25519 byte. Signal's 0x07/0x08/0x0A mean
 * Kyber-768/Kyber-1024/ML-KEM-1024, so ML-KEM-768 takes the unused 0x09; Ed25519 (which Signal
 * never encodes: it signs with XEdDSA) takes 0xED.
 */
export const KEY_TYPE = { x25519: 0x05, mlKem768: 0x09, ed25519: 0xed } as const

export const X25519_BYTES = 32
export const ED25519_BYTES = 32
export const SIGNATURE_BYTES = 64
/** FIPS 203 §8, table 3: ML-KEM-768 encapsulation key and ciphertext sizes */
export const KEM_PUBLIC_KEY_BYTES = 1184
export const KEM_CIPHERTEXT_BYTES = 1088

/** Hard cap on an encoded bundle: the largest valid one is ~1.6 KB (~1.8 KB with a signer); the rest is slack. */
export const MAX_BUNDLE_BYTES = 2048

/** A prekey bundle could not be decoded, is malformed, or a signature in it does not hold. */
export class InvalidBundleError extends Error {
  override name = 'InvalidBundleError'
}

/** A public key signed by the identity key. */
export interface SignedPublicKey {
  id: number
  publicKey: Uint8Array
  signature: Uint8Array
}

/** Bob's published keys (PQXDH §3.2). Keys are raw bytes: the type bytes live only on the wire. */
export interface PrekeyBundle {
  /** Ed25519 identity public key, 32 bytes */
  identity: Uint8Array
  /** X25519 identity DH public key, 32 bytes */
  identityDh: Uint8Array
  /** identity key's signature over the identity DH key */
  identityDhSignature: Uint8Array
  /** X25519 signed prekey SPK */
  signedPrekey: SignedPublicKey
  /** ML-KEM-768 signed prekey PQSPK (1184-byte public key) */
  kemPrekey: SignedPublicKey
  /** X25519 one-time prekey OPK, when one was available */
  oneTimePrekey?: { id: number, publicKey: Uint8Array }
  /** the device that made the three signatures for the identity (signer.ts); absent: the identity key made them */
  signer?: Signer
}

type ErrorClass = new (message: string) => Error

const LABEL = {
  identityDh: fromString('Ferry_PQXDH_identity_dh_v1'),
  signedPrekey: fromString('Ferry_PQXDH_signed_prekey_v1'),
  kemPrekey: fromString('Ferry_PQXDH_kem_prekey_v1')
}

const EXPECTED = {
  [KEY_TYPE.x25519]: { name: 'X25519', length: X25519_BYTES },
  [KEY_TYPE.mlKem768]: { name: 'ML-KEM-768', length: KEM_PUBLIC_KEY_BYTES },
  [KEY_TYPE.ed25519]: { name: 'Ed25519', length: ED25519_BYTES }
}

/** Encode(PK): the type byte, then the raw key (PQXDH §2.1). */
export function encodeKey (type: number, raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(raw.byteLength + 1)
  out[0] = type
  out.set(raw, 1)
  return out
}

/**
 * Decode(PK): check the type byte and the exact length, return a copy of the raw key.
 *
 * @throws `ErrorType` naming `field` when the type or length is wrong, or an X25519 key is not canonical
 */
export function decodeKey (type: keyof typeof EXPECTED, encoded: Uint8Array, field: string, ErrorType: ErrorClass): Uint8Array {
  const { name } = EXPECTED[type]
  if (encoded.byteLength === 0 || encoded[0] !== type) throw new ErrorType(`"${field}" must be an encoded ${name} key (type byte 0x${type.toString(16).padStart(2, '0')})`)
  const raw = new Uint8Array(encoded.subarray(1))
  checkKey(type, raw, field, ErrorType)
  return raw
}

/**
 * Check a raw key's length; X25519 keys must also be canonical (u < 2^255 - 19), so that no two
 * encodings name the same point (RFC 7748 §5 would otherwise silently mask the top bit).
 *
 * @throws `ErrorType` naming `field`
 */
export function checkKey (type: keyof typeof EXPECTED, raw: Uint8Array, field: string, ErrorType: ErrorClass): void {
  const { name, length } = EXPECTED[type]
  if (!(raw instanceof Uint8Array) || raw.byteLength !== length) throw new ErrorType(`"${field}" must be a ${length}-byte ${name} key`)
  if (type === KEY_TYPE.x25519 && !isCanonicalX25519(raw)) throw new ErrorType(`"${field}" is not a canonical X25519 key`)
}

/** @throws `ErrorType` naming `field` unless `sig` is 64 bytes */
export function checkSignature (sig: Uint8Array, field: string, ErrorType: ErrorClass): void {
  if (!(sig instanceof Uint8Array) || sig.byteLength !== SIGNATURE_BYTES) throw new ErrorType(`"${field}" must be a ${SIGNATURE_BYTES}-byte Ed25519 signature`)
}

/** @throws `ErrorType` naming `field` unless `id` is a uint32 */
export function checkId (id: number, field: string, ErrorType: ErrorClass): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new ErrorType(`"${field}" must be a uint32`)
}

/** Little-endian u < p = 2^255 - 19. */
function isCanonicalX25519 (u: Uint8Array): boolean {
  if (u[31] < 0x7f) return true
  if (u[31] > 0x7f) return false
  for (let i = 30; i > 0; i--) if (u[i] !== 0xff) return true
  return u[0] < 0xed
}

/** What the identity key signs to vouch for its identity DH key: label || Encode(IK_dh). */
export function identityDhSignatureMessage (identityDh: Uint8Array): Uint8Array {
  return concat([LABEL.identityDh, encodeKey(KEY_TYPE.x25519, identityDh)])
}

/**
 * What the identity key signs for a prekey: label || id (uint32 big-endian) || Encode(PK).
 * PQXDH §3.2 signs Encode(PK) alone; Ferry adds a label (the Ed25519 identity key signs other
 * things too) and the id (so a relabelled prekey is caught by verifyBundle, not by a failed session).
 */
export function prekeySignatureMessage (kind: 'signedPrekey' | 'kemPrekey', id: number, publicKey: Uint8Array): Uint8Array {
  const idBytes = new Uint8Array(4)
  new DataView(idBytes.buffer).setUint32(0, id)
  const type = kind === 'signedPrekey' ? KEY_TYPE.x25519 : KEY_TYPE.mlKem768
  return concat([LABEL[kind], idBytes, encodeKey(type, publicKey)])
}

/**
 * Check every field's type and exact length (no signatures: see verifyBundle).
 *
 * @throws InvalidBundleError naming the first bad field
 */
export function checkBundle (b: PrekeyBundle): void {
  if (b == null || b.signedPrekey == null || b.kemPrekey == null) throw new InvalidBundleError('a bundle needs a signed prekey and a KEM prekey')
  checkKey(KEY_TYPE.ed25519, b.identity, 'identity', InvalidBundleError)
  checkKey(KEY_TYPE.x25519, b.identityDh, 'identityDh', InvalidBundleError)
  checkSignature(b.identityDhSignature, 'identityDhSignature', InvalidBundleError)
  checkId(b.signedPrekey.id, 'signedPrekey.id', InvalidBundleError)
  checkKey(KEY_TYPE.x25519, b.signedPrekey.publicKey, 'signedPrekey.publicKey', InvalidBundleError)
  checkSignature(b.signedPrekey.signature, 'signedPrekey.signature', InvalidBundleError)
  checkId(b.kemPrekey.id, 'kemPrekey.id', InvalidBundleError)
  checkKey(KEY_TYPE.mlKem768, b.kemPrekey.publicKey, 'kemPrekey.publicKey', InvalidBundleError)
  checkSignature(b.kemPrekey.signature, 'kemPrekey.signature', InvalidBundleError)
  if (b.oneTimePrekey != null) {
    checkId(b.oneTimePrekey.id, 'oneTimePrekey.id', InvalidBundleError)
    checkKey(KEY_TYPE.x25519, b.oneTimePrekey.publicKey, 'oneTimePrekey.publicKey', InvalidBundleError)
  }
  if (b.signer != null) checkSigner(b.signer, 'signer', InvalidBundleError)
}

/**
 * Encode a bundle for the wire.
 *
 * @throws InvalidBundleError when a field has the wrong length
 * @example
 * const bytes = encodeBundle(await createBundle(crypto, me, store, { withOneTime: true }))
 */
export function encodeBundle (b: PrekeyBundle): Uint8Array {
  checkBundle(b)
  return PrekeyBundlePb.encode({
    version: PQXDH_VERSION,
    identity: encodeKey(KEY_TYPE.ed25519, b.identity),
    identityDh: encodeKey(KEY_TYPE.x25519, b.identityDh),
    identityDhSignature: b.identityDhSignature,
    signedPrekey: { ...b.signedPrekey, publicKey: encodeKey(KEY_TYPE.x25519, b.signedPrekey.publicKey) },
    kemPrekey: { ...b.kemPrekey, publicKey: encodeKey(KEY_TYPE.mlKem768, b.kemPrekey.publicKey) },
    oneTimePrekey: b.oneTimePrekey == null ? undefined : { id: b.oneTimePrekey.id, publicKey: encodeKey(KEY_TYPE.x25519, b.oneTimePrekey.publicKey) },
    signer: b.signer
  })
}

/**
 * Decode a bundle from the wire, rejecting oversized input before the protobuf decoder runs.
 * Signatures are not checked here: call verifyBundle (initiate does).
 *
 * @throws InvalidBundleError when oversized, malformed, of another version, or a key has the wrong type
 */
export function decodeBundle (bytes: Uint8Array): PrekeyBundle {
  if (!(bytes instanceof Uint8Array)) throw new InvalidBundleError('a bundle is bytes')
  if (bytes.byteLength > MAX_BUNDLE_BYTES) throw new InvalidBundleError(`bundle of ${bytes.byteLength} bytes exceeds ${MAX_BUNDLE_BYTES}`)
  let pb: PrekeyBundlePb
  try {
    pb = PrekeyBundlePb.decode(bytes)
  } catch (err: any) {
    throw new InvalidBundleError(`bundle does not decode: ${err.message}`)
  }
  if (pb.version !== PQXDH_VERSION) throw new InvalidBundleError(`bundle version ${pb.version} is not supported (expected ${PQXDH_VERSION})`)
  if (pb.signedPrekey == null || pb.kemPrekey == null) throw new InvalidBundleError('a bundle needs a signed prekey and a KEM prekey')
  const b: PrekeyBundle = {
    identity: decodeKey(KEY_TYPE.ed25519, pb.identity, 'identity', InvalidBundleError),
    identityDh: decodeKey(KEY_TYPE.x25519, pb.identityDh, 'identityDh', InvalidBundleError),
    identityDhSignature: new Uint8Array(pb.identityDhSignature),
    signedPrekey: {
      id: pb.signedPrekey.id,
      publicKey: decodeKey(KEY_TYPE.x25519, pb.signedPrekey.publicKey, 'signedPrekey.publicKey', InvalidBundleError),
      signature: new Uint8Array(pb.signedPrekey.signature)
    },
    kemPrekey: {
      id: pb.kemPrekey.id,
      publicKey: decodeKey(KEY_TYPE.mlKem768, pb.kemPrekey.publicKey, 'kemPrekey.publicKey', InvalidBundleError),
      signature: new Uint8Array(pb.kemPrekey.signature)
    }
  }
  if (pb.oneTimePrekey != null) {
    b.oneTimePrekey = { id: pb.oneTimePrekey.id, publicKey: decodeKey(KEY_TYPE.x25519, pb.oneTimePrekey.publicKey, 'oneTimePrekey.publicKey', InvalidBundleError) }
  }
  if (pb.signer != null) b.signer = { device: new Uint8Array(pb.signer.device), certificate: new Uint8Array(pb.signer.certificate) }
  checkBundle(b)
  return b
}

/**
 * Check a bundle's structure and its three signatures by its identity key, or by the device its
 * signer names under that device's certificate (PQXDH §3.3: "Alice verifies the prekey signatures
 * and aborts the protocol if verification fails"). It does not say whose bundle it is: compare
 * `b.identity` with the identity you expect (and `b.signer.device` with the device, when known).
 *
 * @param options.revoked - whether the identity's device list revoked a device (peer id multihash
 * bytes): a bundle signed by a revoked device is refused
 * @throws InvalidBundleError naming the first signature (or field) that does not hold
 */
export async function verifyBundle (crypto: CryptoBackend, b: PrekeyBundle, options: { revoked?: (device: Uint8Array) => boolean } = {}): Promise<void> {
  checkBundle(b)
  const by = await signingKey(b.identity, b.signer, options.revoked)
  if (by == null) throw new InvalidBundleError('bundle "signer" is not a device its identity certified, or it was revoked')
  const checks: Array<[string, Uint8Array, Uint8Array]> = [
    ['identityDhSignature', identityDhSignatureMessage(b.identityDh), b.identityDhSignature],
    ['signedPrekey.signature', prekeySignatureMessage('signedPrekey', b.signedPrekey.id, b.signedPrekey.publicKey), b.signedPrekey.signature],
    ['kemPrekey.signature', prekeySignatureMessage('kemPrekey', b.kemPrekey.id, b.kemPrekey.publicKey), b.kemPrekey.signature]
  ]
  const results = await Promise.all(checks.map(async ([, data, sig]) => crypto.verify(by.key, by.message(data), sig)))
  const failed = checks.findIndex((_, i) => !results[i])
  if (failed >= 0) throw new InvalidBundleError(`bundle "${checks[failed][0]}" is not a valid signature by the bundle's ${b.signer == null ? 'identity key' : 'signing device'}`)
}
