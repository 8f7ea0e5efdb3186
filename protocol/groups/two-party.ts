/**
 * 2SM, the paper's two-party secure messaging scheme (Weidner, Kleppmann, Hugenroth, Beresford,
 * "Key Agreement for Decentralized Secure Group Messaging with Strong Security Guarantees",
 * CCS 2021, §5 "2SM" and its pseudocode 2SM-Init / 2SM-Send / 2SM-Receive; reference
 * implementation trvedata/key-agreement TwoPartyProtocol.java).
 *
 * Every message is public-key encrypted to a key pair whose private half only the receiver holds,
 * and carries two fresh key pairs' worth of material: a new public key of the sender (the receiver
 * answers to it; its private key stays in `mySks` until used) and a new private key for the
 * receiver (whose public key the sender answers to next). A stolen state therefore stops reading
 * the conversation once its owner has sent one more message (healing), and a used private key is
 * deleted (forward secrecy). The first message to a peer goes to its initial public key
 * (index 0, from the caller's directory); that long-term key is the one key never deleted.
 *
 * PKE (our instantiation of the paper's PKE-Enc): ephemeral-static X25519 (RFC 7748),
 * HKDF-SHA-256 (RFC 5869; ikm = DH output, salt = ephemeral || recipient public key,
 * info = "Ferry-2SM-v1-PKE") to a ChaCha20-Poly1305 (RFC 8439) key and nonce; the key is used once.
 *
 * Ciphertext: u8 mode (0: to the receiver's key #index, 1: to the key the sender gave the receiver)
 * || varint index || 32-byte ephemeral key || AEAD(plaintext), with associated data
 * "Ferry-2SM-v1" || caller's context || the header bytes.
 * Plaintext: bytes content || 32-byte new private key for the receiver || varint new sender key
 * index || 32-byte new sender public key.
 */
import { DecryptError, InvalidPublicKeyError } from '../crypto/backend.js'
import { ByteReader, ByteWriter, concatBytes, KEY_BYTES } from './dcgka-bytes.js'
import { MalformedKeyPayloadError, UndecryptableError } from './key-errors.js'
import type { CryptoBackend } from '../crypto/backend.js'

/** Most own private keys kept waiting for the peer to use them; the oldest go first. */
export const MAX_PENDING_KEYS = 256
/** Largest content one 2SM message carries (the DCGKA sends at most two 32-byte secrets). */
export const MAX_2SM_CONTENT = 256
/** Largest 2SM ciphertext: header (1 + 5 + 32) + plaintext (2 + 256 + 32 + 5 + 32) + tag 16. */
export const MAX_2SM_CIPHERTEXT = 400

const te = new TextEncoder()
const PKE_INFO = te.encode('Ferry-2SM-v1-PKE')
const AD_LABEL = te.encode('Ferry-2SM-v1')

/** State of one side of a 2SM session (the paper's γ.2sm[ID]). Plain data; treat as immutable. */
export interface TwoPartyState {
  /** own private keys whose public keys were sent to the peer, by index (1, 2, ...) */
  readonly mySks: ReadonlyArray<{ readonly index: number, readonly privateKey: Uint8Array }>
  /** index the next own public key gets */
  readonly nextIndex: number
  /** the key to encrypt to next; undefined: the peer's initial (directory) key, index 0 */
  readonly otherPk: Uint8Array | undefined
  /** true when we generated otherPk ourselves and sent its private half to the peer */
  readonly otherPkIsMine: boolean
  /** the peer's index for otherPk when the peer generated it */
  readonly otherPkIndex: number
  /** the private key the peer generated for us, used when the peer encrypts to "the key I gave you" */
  readonly receivedSk: Uint8Array | undefined
}

/** 2SM-Init: a session that has neither sent nor received. */
export function initTwoParty (): TwoPartyState {
  return { mySks: [], nextIndex: 1, otherPk: undefined, otherPkIsMine: false, otherPkIndex: 0, receivedSk: undefined }
}

async function pkeKey (crypto: CryptoBackend, dh: Uint8Array, eph: Uint8Array, recipient: Uint8Array): Promise<{ key: Uint8Array, nonce: Uint8Array }> {
  const okm = await crypto.hkdf(dh, concatBytes(eph, recipient), PKE_INFO, KEY_BYTES + 12)
  return { key: okm.subarray(0, KEY_BYTES), nonce: okm.subarray(KEY_BYTES) }
}

/**
 * 2SM-Send: encrypt `content` to the peer.
 *
 * @param context - associated data binding the message to where it travels (group, sender, recipient, seq)
 * @param peerInitialKey - the peer's initial X25519 public key; needed only while `state.otherPk` is undefined
 * @throws TypeError for content over MAX_2SM_CONTENT bytes or a missing initial key
 */
export async function twoPartySend (crypto: CryptoBackend, state: TwoPartyState, content: Uint8Array, context: Uint8Array, peerInitialKey?: Uint8Array): Promise<{ state: TwoPartyState, ciphertext: Uint8Array }> {
  if (content.byteLength > MAX_2SM_CONTENT) throw new TypeError(`"content" must be at most ${MAX_2SM_CONTENT} bytes`)
  const target = state.otherPk ?? peerInitialKey
  if (target?.byteLength !== KEY_BYTES) throw new TypeError('"peerInitialKey" must be a 32-byte X25519 public key for a first message')
  const mine = await crypto.x25519Generate() // our next key: the peer answers to it
  const theirs = await crypto.x25519Generate() // the peer's next key: we answer to it
  const eph = await crypto.x25519Generate()
  const mode = state.otherPkIsMine ? 1 : 0
  const header = new ByteWriter().u8(mode).varint(state.otherPkIsMine ? 0 : state.otherPkIndex).fixed(eph.publicKey, KEY_BYTES).finish()
  const plaintext = new ByteWriter().bytes(content).fixed(theirs.privateKey, KEY_BYTES).varint(state.nextIndex).fixed(mine.publicKey, KEY_BYTES).finish()
  const { key, nonce } = await pkeKey(crypto, await crypto.x25519(eph.privateKey, target), eph.publicKey, target)
  const sealed = await crypto.aeadSeal(key, nonce, plaintext, concatBytes(AD_LABEL, context, header))
  const mySks = [...state.mySks, { index: state.nextIndex, privateKey: mine.privateKey }].slice(-MAX_PENDING_KEYS)
  return {
    state: { mySks, nextIndex: state.nextIndex + 1, otherPk: theirs.publicKey, otherPkIsMine: true, otherPkIndex: 0, receivedSk: state.receivedSk },
    ciphertext: concatBytes(header, sealed)
  }
}

/**
 * 2SM-Receive: decrypt a message from the peer, deleting the private key it used (and every older
 * own key: the peer has seen our newer ones).
 *
 * @param ownInitialPrivateKey - our initial X25519 private key, for the peer's first message (index 0)
 * @throws MalformedKeyPayloadError for a ciphertext that does not parse; UndecryptableError when no key we hold opens it
 */
export async function twoPartyReceive (crypto: CryptoBackend, state: TwoPartyState, ownInitialPrivateKey: Uint8Array, ciphertext: Uint8Array, context: Uint8Array): Promise<{ state: TwoPartyState, content: Uint8Array }> {
  if (ciphertext.byteLength > MAX_2SM_CIPHERTEXT) throw new MalformedKeyPayloadError(`2SM ciphertext over ${MAX_2SM_CIPHERTEXT} bytes`)
  const r = new ByteReader(ciphertext, MalformedKeyPayloadError)
  const mode = r.u8()
  const index = r.varint()
  const eph = r.fixed(KEY_BYTES)
  const headerLength = ciphertext.byteLength - r.remaining
  if (mode > 1 || (mode === 1 && index !== 0)) throw new MalformedKeyPayloadError('bad 2SM header')
  let sk: Uint8Array | undefined
  if (mode === 1) sk = state.receivedSk
  else if (index === 0) sk = ownInitialPrivateKey
  else sk = state.mySks.find(k => k.index === index)?.privateKey
  if (sk == null) throw new UndecryptableError(`no 2SM key ${mode === 1 ? 'given by the peer' : `#${index}`}`)

  let plaintext: Uint8Array
  try {
    const { key, nonce } = await pkeKey(crypto, await crypto.x25519(sk, eph), eph, await crypto.x25519PublicKey(sk))
    plaintext = await crypto.aeadOpen(key, nonce, ciphertext.subarray(headerLength), concatBytes(AD_LABEL, context, ciphertext.subarray(0, headerLength)))
  } catch (err) {
    if (err instanceof DecryptError || err instanceof InvalidPublicKeyError) throw new UndecryptableError('2SM message authentication failed')
    throw err
  }
  const p = new ByteReader(plaintext, MalformedKeyPayloadError)
  const content = p.bytes(MAX_2SM_CONTENT)
  const receivedSk = p.fixed(KEY_BYTES)
  const otherPkIndex = p.varint()
  const otherPk = p.fixed(KEY_BYTES)
  p.end()
  if (otherPkIndex === 0) throw new MalformedKeyPayloadError('2SM sender key index 0 is reserved for the initial key')
  // keys up to the one used are spent: the peer only ever encrypts to the newest key it has seen
  const mySks = mode === 0 && index > 0 ? state.mySks.filter(k => k.index > index) : state.mySks
  return { state: { mySks, nextIndex: state.nextIndex, otherPk, otherPkIsMine: false, otherPkIndex, receivedSk }, content }
}

/** Serialise a 2SM state (inside the group key state; secret: store sealed). */
export function writeTwoParty (w: ByteWriter, s: TwoPartyState): void {
  w.varint(s.mySks.length)
  for (const k of s.mySks) w.varint(k.index).fixed(k.privateKey, KEY_BYTES)
  w.varint(s.nextIndex).u8((s.otherPk != null ? 1 : 0) | (s.otherPkIsMine ? 2 : 0) | (s.receivedSk != null ? 4 : 0))
  if (s.otherPk != null) w.fixed(s.otherPk, KEY_BYTES)
  w.varint(s.otherPkIndex)
  if (s.receivedSk != null) w.fixed(s.receivedSk, KEY_BYTES)
}

/** Parse what writeTwoParty wrote; `r` throws the caller's error class. */
export function readTwoParty (r: ByteReader): TwoPartyState {
  const n = r.count(MAX_PENDING_KEYS, 1 + KEY_BYTES)
  const mySks = []
  for (let i = 0; i < n; i++) mySks.push({ index: r.varint(), privateKey: r.fixed(KEY_BYTES) })
  const nextIndex = r.varint()
  const flags = r.u8()
  if (flags > 7) r.fail('bad 2SM flags')
  const otherPk = (flags & 1) !== 0 ? r.fixed(KEY_BYTES) : undefined
  const otherPkIndex = r.varint()
  const receivedSk = (flags & 4) !== 0 ? r.fixed(KEY_BYTES) : undefined
  return { mySks, nextIndex, otherPk, otherPkIsMine: (flags & 2) !== 0, otherPkIndex, receivedSk }
}
