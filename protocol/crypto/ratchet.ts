/**
 * The Double Ratchet: T. Perrin, M. Marlinspike, "The Double Ratchet Algorithm", revision 1
 * (https://signal.org/docs/specifications/doubleratchet/), §3 with the header in clear (no §4
 * header encryption). One session per (identity, device) pair (DESIGN.md "Identity and keys").
 *
 * The state is plain data and every function returns a NEW state without touching its input, so a
 * caller persists the new state atomically with the message it produced or consumed, and on any
 * failure simply keeps the old one. Old states still hold the keys they held: forward secrecy needs
 * the caller to overwrite the persisted old state (§6.1 secure deletion; JS cannot reliably zero memory).
 *
 * Choices the spec leaves open (§5.2 recommendations):
 * - KDF_RK(rk, dh_out) = HKDF-SHA-256(ikm = dh_out, salt = rk, info = "Ferry-DoubleRatchet-v1-RK", 64)
 *   split into (root key, chain key);
 * - KDF_CK(ck) = (HMAC-SHA-256(ck, 0x02) next chain key, HMAC-SHA-256(ck, 0x01) message key);
 * - ENCRYPT(mk, pt, ad): HKDF-SHA-256(ikm = mk, salt = 32 zero bytes, info = "Ferry-DoubleRatchet-v1-MK", 44)
 *   gives a ChaCha20-Poly1305 key (32) and nonce (12); each message key is used once, so the
 *   deterministic nonce never repeats under one key; ad = associatedData || encoded header.
 *
 * Duplicates and replays: a used message key is deleted. A message on the current receiving chain
 * whose number is below Nr and whose key is not stored raises DuplicateMessageError (decided from
 * the header alone, before any cryptography; the state stays as it was). A replay from an earlier
 * chain cannot be told apart from a forgery and raises RatchetDecryptError (or TooManySkippedError
 * when its `pn` lies too far ahead). A message whose skipped key was dropped by the
 * MAX_STORED_SKIPPED bound is indistinguishable from a duplicate and fails the same way.
 */
import { DecryptError, InvalidPublicKeyError } from './backend.js'
import * as pb from './pb/ratchet.js'
import type { CryptoBackend, KeyPair } from './backend.js'

/** §3.2 MAX_SKIP: most message keys one incoming message may make us skip in one chain. */
export const MAX_SKIP = 1000
/** Most skipped message keys kept in all; the oldest are dropped first (§6.4 deletion of skipped message keys). */
export const MAX_STORED_SKIPPED = 2000

const KEY_BYTES = 32
/** Counters travel as uint32: message numbers stay below this so Ns and Nr (n + 1) always fit. */
const MAX_COUNTER = 0xffff_ffff
/** dh (2 + 32) + pn (1 + 5) + n (1 + 5) = 46 bytes at most; anything longer is not ours. */
const MAX_HEADER_BYTES = 64
const STATE_VERSION = 1
const RK_INFO = new TextEncoder().encode('Ferry-DoubleRatchet-v1-RK')
const MK_INFO = new TextEncoder().encode('Ferry-DoubleRatchet-v1-MK')
const MK_SALT = new Uint8Array(32)
const CK_NEXT = Uint8Array.of(0x02)
const CK_MESSAGE = Uint8Array.of(0x01)
const EMPTY = new Uint8Array(0)

/** Base class of every Double Ratchet failure; `catch (err) { if (err instanceof RatchetError) ... }`. */
export class RatchetError extends Error {
  override name = 'RatchetError'
}

/** AEAD authentication failed: a tampered or forged message, a wrong associated data, or a replay from an earlier chain. */
export class RatchetDecryptError extends RatchetError {
  override name = 'RatchetDecryptError'
}

/** The message's key was already used (a duplicate or replay) or dropped; detected from the header. */
export class DuplicateMessageError extends RatchetError {
  override name = 'DuplicateMessageError'
}

/** Decrypting would skip more than MAX_SKIP message keys in one chain (§3.5 SkipMessageKeys). */
export class TooManySkippedError extends RatchetError {
  override name = 'TooManySkippedError'
}

/** A header that does not decode, is too long, or carries a bad ratchet public key. */
export class InvalidHeaderError extends RatchetError {
  override name = 'InvalidHeaderError'
}

/** A state that cannot be decoded or used for the operation (e.g. encrypting before any sending chain exists). */
export class InvalidStateError extends RatchetError {
  override name = 'InvalidStateError'
}

/** One stored skipped message key (§3.2 MKSKIPPED), indexed by the chain's ratchet public key and n. */
export interface SkippedMessageKey {
  readonly dh: Uint8Array
  readonly n: number
  readonly mk: Uint8Array
}

/** §3.2 state variables. Plain data; `undefined` is the spec's None. Treat as immutable. */
export interface RatchetState {
  /** DHs: own ratchet key pair */
  readonly dhs: Readonly<KeyPair>
  /** DHr: remote ratchet public key */
  readonly dhr: Uint8Array | undefined
  /** RK: root key */
  readonly rk: Uint8Array
  /** CKs, CKr: sending and receiving chain keys */
  readonly cks: Uint8Array | undefined
  readonly ckr: Uint8Array | undefined
  /** Ns, Nr: message numbers; PN: number of messages in the previous sending chain */
  readonly ns: number
  readonly nr: number
  readonly pn: number
  /** MKSKIPPED, oldest first; at most MAX_STORED_SKIPPED entries */
  readonly skipped: readonly SkippedMessageKey[]
}

interface Header { dh: Uint8Array, pn: number, n: number }
type Draft = { -readonly [K in keyof RatchetState]: RatchetState[K] } & { skipped: SkippedMessageKey[] }

function checkBytes (name: string, value: unknown, length?: number): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`"${name}" must be a Uint8Array`)
  if (length != null && value.byteLength !== length) throw new TypeError(`"${name}" must be ${length} bytes, got ${value.byteLength}`)
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/** §5.2 KDF_RK: (root key, chain key) = HKDF(dh_out, salt = rk). */
async function kdfRk (crypto: CryptoBackend, rk: Uint8Array, dhOut: Uint8Array): Promise<[Uint8Array, Uint8Array]> {
  const out = await crypto.hkdf(dhOut, rk, RK_INFO, 2 * KEY_BYTES)
  return [out.slice(0, KEY_BYTES), out.slice(KEY_BYTES)]
}

/** §5.2 KDF_CK: (next chain key, message key) = (HMAC(ck, 0x02), HMAC(ck, 0x01)). */
async function kdfCk (crypto: CryptoBackend, ck: Uint8Array): Promise<[Uint8Array, Uint8Array]> {
  return await Promise.all([crypto.hmacSha256(ck, CK_NEXT), crypto.hmacSha256(ck, CK_MESSAGE)])
}

/** §5.2 ENCRYPT/DECRYPT: AEAD key and nonce from HKDF over the message key. */
async function messageCipher (crypto: CryptoBackend, mk: Uint8Array): Promise<{ key: Uint8Array, nonce: Uint8Array }> {
  const okm = await crypto.hkdf(mk, MK_SALT, MK_INFO, KEY_BYTES + 12)
  return { key: okm.subarray(0, KEY_BYTES), nonce: okm.subarray(KEY_BYTES) }
}

async function open (crypto: CryptoBackend, mk: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Promise<Uint8Array> {
  const { key, nonce } = await messageCipher(crypto, mk)
  try {
    return await crypto.aeadOpen(key, nonce, ciphertext, ad)
  } catch (err) {
    if (err instanceof DecryptError) throw new RatchetDecryptError('message authentication failed')
    throw err
  }
}

/**
 * §3.3 RatchetInitAlice: the side that sends first, knowing the receiver's ratchet public key
 * (with PQXDH: the receiver's signed prekey).
 *
 * @param sharedKey - SK, the 32-byte secret the key agreement produced
 * @param remoteRatchetKey - the receiver's 32-byte X25519 ratchet public key
 * @throws TypeError for keys of the wrong length; InvalidPublicKeyError (crypto.ts) for a low-order key
 * @example
 * ```ts
 * let alice = await initSender(crypto, sk, bobPrekey.publicKey)
 * let bob = await initReceiver(crypto, sk, bobPrekey)
 * const sent = await ratchetEncrypt(crypto, alice, text, ad)  // persist sent.state, then send
 * alice = sent.state
 * const got = await ratchetDecrypt(crypto, bob, sent.header, sent.ciphertext, ad)
 * bob = got.state                                             // persist with got.plaintext
 * ```
 */
export async function initSender (crypto: CryptoBackend, sharedKey: Uint8Array, remoteRatchetKey: Uint8Array): Promise<RatchetState> {
  checkBytes('sharedKey', sharedKey, KEY_BYTES)
  checkBytes('remoteRatchetKey', remoteRatchetKey, KEY_BYTES)
  const dhs = await crypto.x25519Generate()
  const [rk, cks] = await kdfRk(crypto, sharedKey, await crypto.x25519(dhs.privateKey, remoteRatchetKey))
  return { dhs, dhr: remoteRatchetKey.slice(), rk, cks, ckr: undefined, ns: 0, nr: 0, pn: 0, skipped: [] }
}

/**
 * §3.3 RatchetInitBob: the side whose ratchet key pair the sender used. It can send once it has
 * decrypted a first message (its first DH ratchet step creates the sending chain).
 *
 * @param sharedKey - SK, the same 32-byte secret as the sender's
 * @param ownRatchetKeyPair - the X25519 key pair whose public key the sender used
 * @throws TypeError for keys of the wrong length
 */
export async function initReceiver (crypto: CryptoBackend, sharedKey: Uint8Array, ownRatchetKeyPair: KeyPair): Promise<RatchetState> {
  checkBytes('sharedKey', sharedKey, KEY_BYTES)
  checkBytes('ownRatchetKeyPair.privateKey', ownRatchetKeyPair?.privateKey, KEY_BYTES)
  checkBytes('ownRatchetKeyPair.publicKey', ownRatchetKeyPair.publicKey, KEY_BYTES)
  const dhs = { privateKey: ownRatchetKeyPair.privateKey.slice(), publicKey: ownRatchetKeyPair.publicKey.slice() }
  return { dhs, dhr: undefined, rk: sharedKey.slice(), cks: undefined, ckr: undefined, ns: 0, nr: 0, pn: 0, skipped: [] }
}

/**
 * §3.4 RatchetEncrypt: the next message key of the sending chain seals `plaintext`.
 *
 * @param associatedData - bound to the message (e.g. both identities); the encoded header is appended
 * @returns the new state, the encoded header (sent in clear) and the ciphertext (with its 16-byte tag)
 * @throws InvalidStateError before the receiver has decrypted a first message, or when the chain is exhausted
 */
export async function ratchetEncrypt (crypto: CryptoBackend, state: RatchetState, plaintext: Uint8Array, associatedData: Uint8Array): Promise<{ state: RatchetState, header: Uint8Array, ciphertext: Uint8Array }> {
  checkBytes('plaintext', plaintext)
  checkBytes('associatedData', associatedData)
  if (state.cks == null) throw new InvalidStateError('no sending chain yet: the receiver can send once it has decrypted a message (§3.3)')
  if (state.ns >= MAX_COUNTER) throw new InvalidStateError('sending chain exhausted')
  const [cks, mk] = await kdfCk(crypto, state.cks)
  const header = pb.RatchetHeader.encode({ dh: state.dhs.publicKey, pn: state.pn, n: state.ns })
  const { key, nonce } = await messageCipher(crypto, mk)
  const ciphertext = await crypto.aeadSeal(key, nonce, plaintext, concat(associatedData, header))
  return { state: { ...state, cks, ns: state.ns + 1 }, header, ciphertext }
}

/** §3.1 HEADER, decoded with hard caps before anything else looks at it. */
function parseHeader (bytes: Uint8Array): Header {
  if (bytes.byteLength > MAX_HEADER_BYTES) throw new InvalidHeaderError(`header is ${bytes.byteLength} bytes, at most ${MAX_HEADER_BYTES} allowed`)
  let h: pb.RatchetHeader
  try {
    h = pb.RatchetHeader.decode(bytes)
  } catch (err: any) {
    throw new InvalidHeaderError(`header does not decode: ${String(err?.message)}`)
  }
  if (h.dh.byteLength !== KEY_BYTES) throw new InvalidHeaderError(`"dh" must be ${KEY_BYTES} bytes, got ${h.dh.byteLength}`)
  if (h.n >= MAX_COUNTER) throw new InvalidHeaderError('"n" is out of range')
  return { dh: h.dh, pn: h.pn, n: h.n }
}

function findSkipped (skipped: readonly SkippedMessageKey[], dh: Uint8Array, n: number): number {
  return skipped.findIndex(k => k.n === n && equal(k.dh, dh))
}

/** §3.5 SkipMessageKeys: store the receiving chain's keys up to (not including) `until`. */
async function skipMessageKeys (crypto: CryptoBackend, s: Draft, until: number): Promise<void> {
  if (s.nr + MAX_SKIP < until) throw new TooManySkippedError(`message ${until} would skip ${until - s.nr} keys; at most MAX_SKIP = ${MAX_SKIP}`)
  if (s.ckr == null || s.dhr == null) return
  while (s.nr < until) {
    const [ckr, mk] = await kdfCk(crypto, s.ckr)
    s.skipped.push({ dh: s.dhr, n: s.nr, mk })
    s.ckr = ckr
    s.nr += 1
  }
}

/** §3.5 DHRatchet: a new remote ratchet key starts a receiving chain, and a fresh key pair a sending chain. */
async function dhRatchet (crypto: CryptoBackend, s: Draft, header: Header): Promise<void> {
  s.pn = s.ns
  s.ns = 0
  s.nr = 0
  s.dhr = header.dh.slice()
  try {
    [s.rk, s.ckr] = await kdfRk(crypto, s.rk, await crypto.x25519(s.dhs.privateKey, s.dhr))
    s.dhs = await crypto.x25519Generate();
    [s.rk, s.cks] = await kdfRk(crypto, s.rk, await crypto.x25519(s.dhs.privateKey, s.dhr))
  } catch (err) {
    if (err instanceof InvalidPublicKeyError) throw new InvalidHeaderError(`bad ratchet public key: ${err.message}`)
    throw err
  }
}

/**
 * §3.5 RatchetDecrypt: try the stored skipped keys, else advance (with a DH ratchet step when the
 * header carries a new ratchet key), skipping and storing keys of messages not yet received.
 *
 * @returns the new state (the used key deleted) and the plaintext; on any error the caller keeps its state
 * @throws InvalidHeaderError, DuplicateMessageError, TooManySkippedError, RatchetDecryptError
 */
export async function ratchetDecrypt (crypto: CryptoBackend, state: RatchetState, header: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Promise<{ state: RatchetState, plaintext: Uint8Array }> {
  checkBytes('header', header)
  checkBytes('ciphertext', ciphertext)
  checkBytes('associatedData', associatedData)
  const h = parseHeader(header)
  // the header exactly as received is authenticated, so no re-encoding can slip past the AEAD
  const ad = concat(associatedData, header)

  // §3.5 TrySkippedMessageKeys
  const i = findSkipped(state.skipped, h.dh, h.n)
  if (i >= 0) {
    const plaintext = await open(crypto, state.skipped[i].mk, ciphertext, ad)
    return { state: { ...state, skipped: state.skipped.toSpliced(i, 1) }, plaintext }
  }
  const sameChain = state.dhr != null && equal(h.dh, state.dhr)
  if (sameChain && h.n < state.nr) throw new DuplicateMessageError(`message ${h.n} of the current chain was already received (or its key dropped)`)

  const s: Draft = { ...state, skipped: [...state.skipped] }
  if (!sameChain) {
    await skipMessageKeys(crypto, s, h.pn)
    await dhRatchet(crypto, s, h)
  }
  await skipMessageKeys(crypto, s, h.n)
  // only the sender's initial state lacks CKr, with DHr the receiver's prekey, which never sends (§3.3)
  if (s.ckr == null) throw new RatchetDecryptError('no receiving chain for this ratchet key: a forged message')
  const [ckr, mk] = await kdfCk(crypto, s.ckr)
  s.ckr = ckr
  s.nr += 1
  const plaintext = await open(crypto, mk, ciphertext, ad)
  if (s.skipped.length > MAX_STORED_SKIPPED) s.skipped.splice(0, s.skipped.length - MAX_STORED_SKIPPED)
  return { state: s, plaintext }
}

/**
 * Serialise a state (protobuf, pb/ratchet.proto) for storage, to be written atomically with the
 * message it produced or consumed. It holds secret keys: store it encrypted at rest, never log it.
 */
export function encodeState (state: RatchetState): Uint8Array {
  return pb.RatchetSession.encode({
    version: STATE_VERSION,
    dhsPrivate: state.dhs.privateKey,
    dhsPublic: state.dhs.publicKey,
    dhr: state.dhr ?? EMPTY,
    rk: state.rk,
    cks: state.cks ?? EMPTY,
    ckr: state.ckr ?? EMPTY,
    ns: state.ns,
    nr: state.nr,
    pn: state.pn,
    skipped: state.skipped.map(k => ({ dh: k.dh, n: k.n, mk: k.mk }))
  })
}

function stateKey (name: string, value: Uint8Array, optional: boolean): Uint8Array | undefined {
  if (optional && value.byteLength === 0) return undefined
  if (value.byteLength !== KEY_BYTES) throw new InvalidStateError(`"${name}" must be ${KEY_BYTES} bytes, got ${value.byteLength}`)
  return value.slice() // own copy: decoded fields are views into the caller's buffer
}

/**
 * Parse a state written by encodeState.
 *
 * @throws InvalidStateError when the bytes do not decode or do not form a consistent state
 */
export function decodeState (bytes: Uint8Array): RatchetState {
  if (!(bytes instanceof Uint8Array)) throw new InvalidStateError('ratchet state must be a Uint8Array')
  let s: pb.RatchetSession
  try {
    s = pb.RatchetSession.decode(bytes)
  } catch (err: any) {
    throw new InvalidStateError(`ratchet state does not decode: ${String(err?.message)}`)
  }
  if (s.version !== STATE_VERSION) throw new InvalidStateError(`unknown ratchet state version ${s.version}`)
  const state: RatchetState = {
    dhs: { privateKey: stateKey('dhsPrivate', s.dhsPrivate, false) as Uint8Array, publicKey: stateKey('dhsPublic', s.dhsPublic, false) as Uint8Array },
    dhr: stateKey('dhr', s.dhr, true),
    rk: stateKey('rk', s.rk, false) as Uint8Array,
    cks: stateKey('cks', s.cks, true),
    ckr: stateKey('ckr', s.ckr, true),
    ns: s.ns,
    nr: s.nr,
    pn: s.pn,
    skipped: s.skipped.map((k, i) => {
      if (k.n >= MAX_COUNTER) throw new InvalidStateError(`skipped key ${i}: "n" is out of range`)
      return { dh: stateKey(`skipped[${i}].dh`, k.dh, false) as Uint8Array, n: k.n, mk: stateKey(`skipped[${i}].mk`, k.mk, false) as Uint8Array }
    })
  }
  // §3.3/§3.5: a sending chain exists exactly when a remote ratchet key is known; a receiving chain needs one too
  if ((state.dhr == null) !== (state.cks == null)) throw new InvalidStateError('"dhr" and "cks" must both be set or both be empty')
  if (state.ckr != null && state.dhr == null) throw new InvalidStateError('"ckr" set without "dhr"')
  if (state.cks == null && (state.ns !== 0 || state.pn !== 0)) throw new InvalidStateError('message numbers without a sending chain')
  if (state.ckr == null && state.nr !== 0) throw new InvalidStateError('"nr" without a receiving chain')
  return state
}
