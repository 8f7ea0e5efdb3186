/**
 * PQXDH key agreement (Signal, "The PQXDH Key Agreement Protocol", rev. 2 fixes applied):
 * Alice `initiate`s from Bob's prekey bundle while Bob is offline; Bob `respond`s to her initial
 * message. Both end with the same 32-byte SK and associated data AD for the Double Ratchet.
 *
 * Parameters (§2.1): curve = X25519, hash = SHA-256, pqkem = ML-KEM-768, info = PQXDH_INFO,
 * EncodeEC/EncodeKEM = type byte || raw key (bundle.ts).
 *
 * Ferry's identity key IK is Ed25519, which does not do Diffie-Hellman (Signal converts with
 * XEdDSA instead). Each party therefore has an X25519 identity DH key IK_dh, signed by IK, and
 * IK_dh takes IK's place in DH1 and DH2. Both identity keys and both IK_dh go into AD.
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { InvalidPublicKeyError } from './backend.js'
import { InvalidInputError } from '../errors.js'
import { checkId, checkKey, checkSignature, decodeKey, encodeKey, identityDhSignatureMessage, InvalidBundleError, KEM_CIPHERTEXT_BYTES, KEY_TYPE, PQXDH_VERSION, verifyBundle } from './bundle.js'
import { InitialMessage as InitialMessagePb } from './pb/pqxdh.js'
import { UnknownPrekeyError } from './prekeys.js'
import type { PrekeyBundle } from './bundle.js'
import type { PrekeyStore } from './prekeys.js'
import type { CryptoBackend, KeyPair } from './backend.js'
import type { Identity } from './identity.js'
import type { Signer } from './signer.js'
import { checkSigner, signFor, verifyFor } from './signer.js'

/** §2.1 info: identifies the application and the primitives. */
export const PQXDH_INFO = fromString('Ferry_PQXDH_X25519_SHA-256_ML-KEM-768')

/** Hard cap on an encoded initial message: the valid ones are ~1.3 KB. */
export const MAX_INITIAL_MESSAGE_BYTES = 1536

/** §2.2 KDF: F = 32 0xFF bytes for X25519, so the input never starts like a curve point. */
const F = new Uint8Array(32).fill(0xff)
/** §2.2 KDF: HKDF salt = a zero-filled byte sequence as long as the hash output. */
const SALT = new Uint8Array(32)
const TRANSCRIPT_LABEL = fromString('Ferry_PQXDH_transcript_v1')
const SEEN_LABEL = fromString('Ferry_PQXDH_initial_message_v1')

/** An initial message is malformed, or its sender's identity DH key is not signed by its identity. */
export class InvalidInitialMessageError extends Error {
  override name = 'InvalidInitialMessageError'
}

/** This initial message was answered before: a replay must not make a second session (§4.2). */
export class ReplayedInitialMessageError extends Error {
  override name = 'ReplayedInitialMessageError'
}

/** Alice's initial message (§3.3): her keys, the ids of Bob's prekeys she used, and CT. */
export interface InitialMessage {
  /** Alice's Ed25519 identity public key IK_A */
  identity: Uint8Array
  /** Alice's X25519 identity DH key */
  identityDh: Uint8Array
  /** IK_A's signature over identityDh, or (with `signer`) the signature of a device IK_A certified */
  identityDhSignature: Uint8Array
  /** the device of Alice's that signed identityDh, when IK_A did not (signer.ts) */
  signer?: Signer
  /** Alice's ephemeral X25519 key EK_A */
  ephemeral: Uint8Array
  signedPrekeyId: number
  kemPrekeyId: number
  oneTimePrekeyId?: number
  /** CT = PQKEM-ENC(PQSPK_B), 1088 bytes */
  kemCiphertext: Uint8Array
}

/** The result of a successful key agreement. */
export interface Agreement {
  /** SK: the Double Ratchet's initial root key */
  sharedKey: Uint8Array
  /** AD: bound into every message the session encrypts */
  associatedData: Uint8Array
}

/**
 * Alice's side (§3.3): verify Bob's bundle, then derive SK and build the initial message.
 * Randomness (EK_A, the KEM encapsulation) comes from `crypto`, so a test backend makes it
 * deterministic. The bundle's identity is not checked against anyone: compare `bundle.identity`
 * with the contact's identity first.
 *
 * @param myIdentityDh - Alice's identity DH key pair (PrekeyStore.identityDh())
 * @returns SK, AD, the initial message, and the Double Ratchet's first remote key (SPK_B)
 * @throws InvalidBundleError when the bundle is malformed or a signature does not hold
 * @throws InvalidInputError when `myIdentityDh` is not a matching X25519 key pair
 * @example
 * const { sharedKey, associatedData, initial } = await initiate(crypto, me, await store.identityDh(), bundle)
 */
export async function initiate (crypto: CryptoBackend, me: Identity, myIdentityDh: KeyPair, bundle: PrekeyBundle): Promise<Agreement & { initial: InitialMessage, remoteRatchetKey: Uint8Array }> {
  await verifyBundle(crypto, bundle)
  checkKey(KEY_TYPE.x25519, myIdentityDh?.publicKey, 'myIdentityDh.publicKey', InvalidInputError)
  if (!equal(await crypto.x25519PublicKey(myIdentityDh.privateKey), myIdentityDh.publicKey)) {
    throw new InvalidInputError('"myIdentityDh" private and public keys do not match')
  }
  const spk = bundle.signedPrekey.publicKey
  const opk = bundle.oneTimePrekey
  const ek = await crypto.x25519Generate()
  let dhs: Uint8Array[]
  try {
    dhs = [
      await crypto.x25519(myIdentityDh.privateKey, spk), // DH1 = DH(IK_A, SPK_B)
      await crypto.x25519(ek.privateKey, bundle.identityDh), // DH2 = DH(EK_A, IK_B)
      await crypto.x25519(ek.privateKey, spk) // DH3 = DH(EK_A, SPK_B)
    ]
    if (opk != null) dhs.push(await crypto.x25519(ek.privateKey, opk.publicKey)) // DH4 = DH(EK_A, OPK_B)
  } catch (err) {
    // only the unsigned OPK can be low-order unless Bob signed a bad key himself
    if (err instanceof InvalidPublicKeyError) throw new InvalidBundleError(`bundle holds an unusable X25519 key: ${err.message}`)
    throw err
  } finally {
    ek.privateKey.fill(0) // §3.3: Alice deletes her ephemeral private key
  }
  let kem: { cipherText: Uint8Array, sharedSecret: Uint8Array }
  try {
    kem = await crypto.kemEncapsulate(bundle.kemPrekey.publicKey) // (CT, SS) = PQKEM-ENC(PQPK_B)
  } catch (err: any) {
    throw new InvalidBundleError(`bundle "kemPrekey.publicKey" is not an ML-KEM-768 key: ${err.message}`)
  }
  const sharedKey = await kdf(crypto, dhs, kem.sharedSecret)
  const signed = await signFor(crypto, me, identityDhSignatureMessage(myIdentityDh.publicKey))
  const initial: InitialMessage = {
    identity: me.identityKey.publicKey.raw.slice(),
    identityDh: myIdentityDh.publicKey.slice(),
    identityDhSignature: signed.signature,
    ephemeral: ek.publicKey,
    signedPrekeyId: bundle.signedPrekey.id,
    kemPrekeyId: bundle.kemPrekey.id,
    kemCiphertext: kem.cipherText
  }
  if (opk != null) initial.oneTimePrekeyId = opk.id
  if (signed.signer != null) initial.signer = signed.signer
  const associatedData = await buildAssociatedData(crypto, initial, bundle.identity, bundle.identityDh,
    { spk, kem: bundle.kemPrekey.publicKey, opk: opk?.publicKey })
  return { sharedKey, associatedData, initial, remoteRatchetKey: spk }
}

/**
 * Bob's side (§3.4): check Alice's identity DH signature, load the prekeys she names, derive SK.
 * The one-time prekey is taken from the store (deleted: used at most once), and the message is
 * marked seen, so no initial message yields two sessions (§4.2). Commit the session only once the
 * first ratchet message decrypts with SK and AD (§3.4).
 *
 * @returns SK, AD, Alice's identity key, and the signed prekey pair for the ratchet's receiver
 * @throws InvalidInitialMessageError when malformed or the identity DH signature does not hold
 * @throws UnknownPrekeyError when a named prekey does not exist (any more)
 * @throws ReplayedInitialMessageError when this message was answered before
 */
export async function respond (crypto: CryptoBackend, me: Identity, store: PrekeyStore, initial: InitialMessage): Promise<Agreement & { senderIdentity: Uint8Array, ratchetKeyPair: KeyPair }> {
  const { commit, ...agreed } = await prepareResponse(crypto, me, store, initial)
  await commit()
  return agreed
}

/**
 * respond() in two phases, as §3.4 asks: compute SK and AD without consuming anything; `commit()`
 * then marks the initial message seen and deletes the one-time prekey. Call it only once the first
 * ratchet message decrypted and was accepted, so a forged or replayed copy that arrives first
 * cannot burn the honest one.
 *
 * @throws as respond(); commit() throws ReplayedInitialMessageError or UnknownPrekeyError (the
 * one-time prekey was taken meanwhile)
 */
export async function prepareResponse (crypto: CryptoBackend, me: Identity, store: PrekeyStore, initial: InitialMessage, options: { beforeWork?(): void, revoked?: (device: Uint8Array) => boolean } = {}): Promise<Agreement & { senderIdentity: Uint8Array, ratchetKeyPair: KeyPair, commit(): Promise<void> }> {
  checkInitial(initial)
  // cheap refusals first: a replay, or a one-time prekey already used, costs a hash and a read,
  // not a signature check, three X25519 and an ML-KEM decapsulation (~3 ms) every time it is sent
  const seen = await crypto.sha256(seenMessage(initial))
  if (await store.initialMessageSeen(seen)) throw new ReplayedInitialMessageError('this initial message was answered before')
  const opkId = initial.oneTimePrekeyId
  const opk = opkId == null ? undefined : await store.oneTimePrekey(opkId)
  if (opkId != null && opk == null) throw new UnknownPrekeyError(`no one-time prekey ${opkId}: used already or never made`)
  const [dh, spk, kem] = await Promise.all([store.identityDh(), store.signedPrekey(initial.signedPrekeyId), store.kemPrekey(initial.kemPrekeyId)])
  if (dh == null) throw new UnknownPrekeyError('no identity DH key: call generatePrekeys first')
  if (spk == null) throw new UnknownPrekeyError(`no signed prekey ${initial.signedPrekeyId}`)
  if (kem == null) throw new UnknownPrekeyError(`no KEM prekey ${initial.kemPrekeyId}`)
  options.beforeWork?.() // the caller's budget for public-key work (it may throw to refuse)
  if (!await verifyFor(crypto, initial.identity, identityDhSignatureMessage(initial.identityDh), initial.identityDhSignature, initial.signer, options.revoked)) {
    throw new InvalidInitialMessageError(`"identityDhSignature" is not a valid signature by the sender's ${initial.signer == null ? 'identity key' : 'device (certified by its identity, not revoked)'}`)
  }
  const eph = initial.ephemeral
  const dhs = [
    await agree(crypto, spk.privateKey, initial.identityDh), // DH1 = DH(SPK_B, IK_A)
    await agree(crypto, dh.privateKey, eph), // DH2 = DH(IK_B, EK_A)
    await agree(crypto, spk.privateKey, eph) // DH3 = DH(SPK_B, EK_A)
  ]
  const ss = await crypto.kemDecapsulate(initial.kemCiphertext, kem.secretKey) // SS = PQKEM-DEC(PQPK_B, CT)
  const commit = async (): Promise<void> => {
    if (!await store.markInitialMessageSeen(seen, spk.id)) throw new ReplayedInitialMessageError('this initial message was answered before')
    if (opkId != null && await store.takeOneTimePrekey(opkId) == null) throw new UnknownPrekeyError(`no one-time prekey ${opkId}: used already`)
  }
  if (opk != null) {
    dhs.push(await agree(crypto, opk.privateKey, eph)) // DH4 = DH(OPK_B, EK_A)
    opk.privateKey.fill(0) // §3.4: Bob deletes the one-time prekey private key
  }
  const sharedKey = await kdf(crypto, dhs, ss)
  const associatedData = await buildAssociatedData(crypto, initial, me.identityKey.publicKey.raw, dh.publicKey,
    { spk: spk.publicKey, kem: kem.publicKey, opk: opk?.publicKey })
  return { sharedKey, associatedData, senderIdentity: initial.identity, ratchetKeyPair: { privateKey: spk.privateKey, publicKey: spk.publicKey }, commit }
}

/** X25519 on Bob's side: a low-order key from Alice is her fault, not ours. */
async function agree (crypto: CryptoBackend, privateKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array> {
  try {
    return await crypto.x25519(privateKey, publicKey)
  } catch (err) {
    if (err instanceof InvalidPublicKeyError) throw new InvalidInitialMessageError(`initial message holds an unusable X25519 key: ${err.message}`)
    throw err
  }
}

/** §2.2: SK = HKDF(F || DH1 || DH2 || DH3 [|| DH4] || SS, salt = 0^32, info, 32). Wipes its inputs. */
async function kdf (crypto: CryptoBackend, dhs: Uint8Array[], ss: Uint8Array): Promise<Uint8Array> {
  const ikm = concat([F, ...dhs, ss])
  const sk = await crypto.hkdf(ikm, SALT, PQXDH_INFO, 32)
  for (const b of [ikm, ss, ...dhs]) b.fill(0) // §3.3: delete the DH outputs and the shared secret
  return sk
}

/**
 * §3.3 AD = Encode(IK_A) || Encode(IK_B), extended: Encode(IK_A) || Encode(IK_A dh) ||
 * Encode(IK_B) || Encode(IK_B dh) || SHA-256(transcript), where the transcript binds the
 * prekeys used, EK_A and the KEM ciphertext (rev. 2: bind PQPK_B and CT, so neither can be swapped
 * for another that decapsulates to the same SS). Hashed so AD stays 164 bytes per message.
 */
async function buildAssociatedData (crypto: CryptoBackend, m: InitialMessage, identityB: Uint8Array, identityDhB: Uint8Array, keys: { spk: Uint8Array, kem: Uint8Array, opk?: Uint8Array }): Promise<Uint8Array> {
  const transcript = concat([
    TRANSCRIPT_LABEL,
    encodeKey(KEY_TYPE.x25519, keys.spk),
    encodeKey(KEY_TYPE.mlKem768, keys.kem),
    encodeKey(KEY_TYPE.x25519, m.ephemeral),
    encodeKey(KEY_TYPE.mlKem768, m.kemCiphertext),
    keys.opk == null ? new Uint8Array(0) : encodeKey(KEY_TYPE.x25519, keys.opk)
  ])
  return concat([
    encodeKey(KEY_TYPE.ed25519, m.identity),
    encodeKey(KEY_TYPE.x25519, m.identityDh),
    encodeKey(KEY_TYPE.ed25519, identityB),
    encodeKey(KEY_TYPE.x25519, identityDhB),
    await crypto.sha256(transcript)
  ])
}

/**
 * What identifies an initial message for replay detection: every field that SK or AD depends on,
 * fixed-length, decoded (so a re-encoding with extra protobuf fields is the same message), and
 * without the signature (Ed25519 encodings can vary while the session would be the same).
 */
function seenMessage (m: InitialMessage): Uint8Array {
  const ids = new Uint8Array(13)
  const view = new DataView(ids.buffer)
  view.setUint32(0, m.signedPrekeyId)
  view.setUint32(4, m.kemPrekeyId)
  ids[8] = m.oneTimePrekeyId == null ? 0 : 1
  view.setUint32(9, m.oneTimePrekeyId ?? 0)
  return concat([SEEN_LABEL, m.identity, m.identityDh, m.ephemeral, ids, m.kemCiphertext])
}

/**
 * Check every field's type and exact length.
 *
 * @throws InvalidInitialMessageError naming the first bad field
 */
export function checkInitial (m: InitialMessage): void {
  if (m == null) throw new InvalidInitialMessageError('no initial message')
  checkKey(KEY_TYPE.ed25519, m.identity, 'identity', InvalidInitialMessageError)
  checkKey(KEY_TYPE.x25519, m.identityDh, 'identityDh', InvalidInitialMessageError)
  checkSignature(m.identityDhSignature, 'identityDhSignature', InvalidInitialMessageError)
  checkKey(KEY_TYPE.x25519, m.ephemeral, 'ephemeral', InvalidInitialMessageError)
  checkId(m.signedPrekeyId, 'signedPrekeyId', InvalidInitialMessageError)
  checkId(m.kemPrekeyId, 'kemPrekeyId', InvalidInitialMessageError)
  if (m.oneTimePrekeyId != null) checkId(m.oneTimePrekeyId, 'oneTimePrekeyId', InvalidInitialMessageError)
  if (!(m.kemCiphertext instanceof Uint8Array) || m.kemCiphertext.byteLength !== KEM_CIPHERTEXT_BYTES) {
    throw new InvalidInitialMessageError(`"kemCiphertext" must be a ${KEM_CIPHERTEXT_BYTES}-byte ML-KEM-768 ciphertext`)
  }
  if (m.signer != null) checkSigner(m.signer, 'signer', InvalidInitialMessageError)
}

/**
 * Encode an initial message for the wire.
 *
 * @throws InvalidInitialMessageError when a field has the wrong length
 */
export function encodeInitial (m: InitialMessage): Uint8Array {
  checkInitial(m)
  return InitialMessagePb.encode({
    version: PQXDH_VERSION,
    identity: encodeKey(KEY_TYPE.ed25519, m.identity),
    identityDh: encodeKey(KEY_TYPE.x25519, m.identityDh),
    identityDhSignature: m.identityDhSignature,
    ephemeral: encodeKey(KEY_TYPE.x25519, m.ephemeral),
    signedPrekeyId: m.signedPrekeyId,
    kemPrekeyId: m.kemPrekeyId,
    oneTimePrekeyId: m.oneTimePrekeyId,
    kemCiphertext: encodeKey(KEY_TYPE.mlKem768, m.kemCiphertext),
    signer: m.signer
  })
}

/**
 * Decode an initial message from the wire, rejecting oversized input before protons runs.
 *
 * @throws InvalidInitialMessageError when oversized, malformed, of another version, or a key has the wrong type
 */
export function decodeInitial (bytes: Uint8Array): InitialMessage {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInitialMessageError('an initial message is bytes')
  if (bytes.byteLength > MAX_INITIAL_MESSAGE_BYTES) throw new InvalidInitialMessageError(`initial message of ${bytes.byteLength} bytes exceeds ${MAX_INITIAL_MESSAGE_BYTES}`)
  let pb: InitialMessagePb
  try {
    pb = InitialMessagePb.decode(bytes)
  } catch (err: any) {
    throw new InvalidInitialMessageError(`initial message does not decode: ${err.message}`)
  }
  if (pb.version !== PQXDH_VERSION) throw new InvalidInitialMessageError(`initial message version ${pb.version} is not supported (expected ${PQXDH_VERSION})`)
  const ct = pb.kemCiphertext
  if (ct.byteLength !== KEM_CIPHERTEXT_BYTES + 1 || ct[0] !== KEY_TYPE.mlKem768) {
    throw new InvalidInitialMessageError('"kemCiphertext" must be an encoded ML-KEM-768 ciphertext (type byte 0x09)')
  }
  const m: InitialMessage = {
    identity: decodeKey(KEY_TYPE.ed25519, pb.identity, 'identity', InvalidInitialMessageError),
    identityDh: decodeKey(KEY_TYPE.x25519, pb.identityDh, 'identityDh', InvalidInitialMessageError),
    identityDhSignature: new Uint8Array(pb.identityDhSignature),
    ephemeral: decodeKey(KEY_TYPE.x25519, pb.ephemeral, 'ephemeral', InvalidInitialMessageError),
    signedPrekeyId: pb.signedPrekeyId,
    kemPrekeyId: pb.kemPrekeyId,
    kemCiphertext: new Uint8Array(ct.subarray(1))
  }
  if (pb.oneTimePrekeyId != null) m.oneTimePrekeyId = pb.oneTimePrekeyId
  if (pb.signer != null) m.signer = { device: new Uint8Array(pb.signer.device), certificate: new Uint8Array(pb.signer.certificate) }
  checkInitial(m)
  return m
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= a[i] ^ b[i]
  return diff === 0
}
