/**
 * The owner's side of PQXDH prekeys (Signal PQXDH §3.2 "Publishing keys"): generate the identity
 * DH key, the signed X25519 prekey, the signed ML-KEM-768 prekey and one-time prekeys; keep their
 * private halves in a PrekeyStore; rotate the signed prekeys; build bundles.
 *
 * Rotation and grace period: `rotateSignedPrekey` makes a new signed prekey and KEM prekey current
 * and *retires* the previous ones; a retired prekey still answers initial messages for
 * PREKEY_GRACE_MS, then it is deleted (forward secrecy, §4.6). The grace covers the worst case of
 * a bundle read just before a rotation: an invite holding it is used up to DEFAULT_INVITE_TTL_MS
 * later, and the initial message may then wait in a mailbox up to MAX_TTL_MS.
 */
import { DEFAULT_INVITE_TTL_MS, MAX_TTL_MS } from '../constants.js'
import { identityDhSignatureMessage, prekeySignatureMessage, verifyBundle } from './bundle.js'
import type { PrekeyBundle } from './bundle.js'
import type { CryptoBackend, KemKeyPair, KeyPair } from './backend.js'
import type { Identity } from './identity.js'
import { holdsIdentityKey } from './identity.js'
import { deviceSigner, signFor } from './signer.js'

/** How often callers should rotate the signed prekeys (Signal rotates weekly to monthly). */
export const SIGNED_PREKEY_ROTATION_MS = 7 * 24 * 60 * 60 * 1000

/** How long a retired signed prekey (and KEM prekey) still answers initial messages. */
export const PREKEY_GRACE_MS = DEFAULT_INVITE_TTL_MS + MAX_TTL_MS

/** The owner has no such prekey (never made, already used, or deleted after its grace period). */
export class UnknownPrekeyError extends Error {
  override name = 'UnknownPrekeyError'
}

/** The identity DH key pair and the identity key's signature over it (this device's, on a device without the identity key). */
export interface IdentityDhRecord extends KeyPair {
  signature: Uint8Array
}

/** A signed X25519 prekey pair. */
export interface SignedPrekeyRecord extends KeyPair {
  id: number
  signature: Uint8Array
  createdAt: number
  /** when a newer prekey replaced it; set by the store */
  retiredAt?: number
}

/** A signed ML-KEM-768 prekey pair. */
export interface KemPrekeyRecord extends KemKeyPair {
  id: number
  signature: Uint8Array
  createdAt: number
  /** when a newer prekey replaced it; set by the store */
  retiredAt?: number
}

/** A one-time prekey's public half, as a bundle carries it. */
export interface OneTimePrekey {
  id: number
  publicKey: Uint8Array
}

/**
 * Where the owner keeps prekey private keys. Every write resolves once durable. SQLite and
 * IndexedDB implement it; MemoryPrekeyStore serves tests.
 */
export interface PrekeyStore {
  identityDh(): Promise<IdentityDhRecord | undefined>
  putIdentityDh(record: IdentityDhRecord): Promise<void>
  signedPrekey(id: number): Promise<SignedPrekeyRecord | undefined>
  currentSignedPrekey(): Promise<SignedPrekeyRecord | undefined>
  kemPrekey(id: number): Promise<KemPrekeyRecord | undefined>
  currentKemPrekey(): Promise<KemPrekeyRecord | undefined>
  /**
   * Make both records current in one atomic write; the previous current ones stay readable by id,
   * with `retiredAt` set to the new records' `createdAt`.
   */
  putSignedPrekeys(signed: SignedPrekeyRecord, kem: KemPrekeyRecord): Promise<void>
  /** Delete signed and KEM prekeys retired before `time`, and the replay marks of those signed prekeys. */
  removeRetiredPrekeys(time: number): Promise<void>
  /** Add one-time prekey pairs; the store assigns ids, never reusing one, and returns them in order. */
  putOneTimePrekeys(pairs: KeyPair[]): Promise<number[]>
  /**
   * A one-time prekey never handed out before, now marked handed out; undefined when none is left.
   *
   * @param issuedAt - when (ms): such a prekey is deleted by removeIssuedOneTimePrekeys once its
   * grace period ends. Without it the prekey is kept until used: prekeys left with a mailbox host
   * may be handed out by the host much later.
   */
  issueOneTimePrekey(issuedAt?: number): Promise<OneTimePrekey | undefined>
  /** How many one-time prekeys wait to be handed out, and how many were handed out and are not used yet. */
  countOneTimePrekeys(): Promise<{ unissued: number, issued: number }>
  /**
   * Delete one-time prekeys handed out (with a time) before `time`: a requester that never sent an
   * initial message with one does not keep it alive.
   *
   * @returns how many were deleted
   */
  removeIssuedOneTimePrekeys(time: number): Promise<number>
  /** A one-time prekey pair, without deleting it (to compute a response before committing it). */
  oneTimePrekey(id: number): Promise<KeyPair | undefined>
  /** Return and delete a one-time prekey pair: each is used at most once. */
  takeOneTimePrekey(id: number): Promise<KeyPair | undefined>
  /**
   * Remember an initial message's hash, filed under the signed prekey it used (so it can be
   * forgotten with that prekey).
   *
   * @returns false when the hash was seen before
   */
  markInitialMessageSeen(hash: Uint8Array, signedPrekeyId: number): Promise<boolean>
  /** Whether the hash was marked seen; reads only, so a replay is refused before any DH or KEM work. */
  initialMessageSeen(hash: Uint8Array): Promise<boolean>
}

/**
 * Make sure the owner has an identity DH key and current signed prekeys, and add `oneTime`
 * one-time prekeys.
 *
 * @param options.now - creation time recorded on new signed prekeys (ms)
 * @returns the public halves of the new one-time prekeys, for the owner's mailboxes
 * @example
 * await generatePrekeys(crypto, me, store, { oneTime: 100 })
 */
export async function generatePrekeys (crypto: CryptoBackend, identity: Identity, store: PrekeyStore, options: { oneTime: number, now?: number }): Promise<OneTimePrekey[]> {
  const { oneTime, now = Date.now() } = options
  if (!Number.isInteger(oneTime) || oneTime < 0 || oneTime > 10_000) throw new RangeError('"oneTime" must be an integer from 0 to 10000')
  if (await store.identityDh() == null) {
    const pair = await crypto.x25519Generate()
    const { signature } = await signFor(crypto, identity, identityDhSignatureMessage(pair.publicKey))
    await store.putIdentityDh({ ...pair, signature })
  }
  if (await store.currentSignedPrekey() == null || await store.currentKemPrekey() == null) {
    await putNewSignedPrekeys(crypto, identity, store, now)
  }
  const pairs = await Promise.all(Array.from({ length: oneTime }, async () => crypto.x25519Generate()))
  const ids = await store.putOneTimePrekeys(pairs)
  return pairs.map((p, i) => ({ id: ids[i], publicKey: p.publicKey }))
}

/**
 * Rotate: a new signed prekey and KEM prekey become current; the previous ones stay usable for
 * `gracePeriod`, and prekeys retired longer ago than that are deleted.
 *
 * @returns the ids of the new prekeys
 * @throws UnknownPrekeyError when generatePrekeys has not run yet
 */
export async function rotateSignedPrekey (crypto: CryptoBackend, identity: Identity, store: PrekeyStore, options: { now?: number, gracePeriod?: number } = {}): Promise<{ signedPrekeyId: number, kemPrekeyId: number }> {
  const { now = Date.now(), gracePeriod = PREKEY_GRACE_MS } = options
  if (await store.identityDh() == null) throw new UnknownPrekeyError('no identity DH key: call generatePrekeys first')
  const ids = await putNewSignedPrekeys(crypto, identity, store, now)
  await store.removeRetiredPrekeys(now - gracePeriod)
  return ids
}

async function putNewSignedPrekeys (crypto: CryptoBackend, identity: Identity, store: PrekeyStore, now: number): Promise<{ signedPrekeyId: number, kemPrekeyId: number }> {
  // ids count up from the current ones, so a retired prekey's id is never reused while it lives
  const signedPrekeyId = nextId((await store.currentSignedPrekey())?.id)
  const kemPrekeyId = nextId((await store.currentKemPrekey())?.id)
  const pair = await crypto.x25519Generate()
  const kem = await crypto.kemGenerate()
  const [signed, kemSigned] = await Promise.all([
    signFor(crypto, identity, prekeySignatureMessage('signedPrekey', signedPrekeyId, pair.publicKey)),
    signFor(crypto, identity, prekeySignatureMessage('kemPrekey', kemPrekeyId, kem.publicKey))
  ])
  await store.putSignedPrekeys(
    { ...pair, id: signedPrekeyId, signature: signed.signature, createdAt: now },
    { ...kem, id: kemPrekeyId, signature: kemSigned.signature, createdAt: now })
  return { signedPrekeyId, kemPrekeyId }
}

function nextId (id: number | undefined): number {
  return id == null || id >= 0xffffffff ? 1 : id + 1
}

/**
 * Build this user's bundle from the current prekeys, and check it before it leaves (a store
 * holding prekeys signed by another identity is caught here, not by every peer).
 *
 * @param options.withOneTime - include a one-time prekey never handed out before, when one is left
 * @param options.issuedAt - when it is handed out (ms): it is deleted unused after a grace period
 * (PrekeyStore.removeIssuedOneTimePrekeys); without it, it is kept until used
 * @throws UnknownPrekeyError when generatePrekeys has not run yet
 * @throws InvalidBundleError when the stored prekeys are not signed by `identity`
 */
export async function createBundle (crypto: CryptoBackend, identity: Identity, store: PrekeyStore, options: { withOneTime: boolean, issuedAt?: number }): Promise<PrekeyBundle> {
  const [dh, spk, kem] = await Promise.all([store.identityDh(), store.currentSignedPrekey(), store.currentKemPrekey()])
  if (dh == null || spk == null || kem == null) throw new UnknownPrekeyError('no current prekeys: call generatePrekeys first')
  const bundle: PrekeyBundle = {
    identity: identity.identityKey.publicKey.raw.slice(),
    identityDh: dh.publicKey,
    identityDhSignature: dh.signature,
    signedPrekey: { id: spk.id, publicKey: spk.publicKey, signature: spk.signature },
    kemPrekey: { id: kem.id, publicKey: kem.publicKey, signature: kem.signature }
  }
  // the device that holds the identity key signs its prekeys with it; a linked device that does
  // not signs them itself (docs/identity-custody.md), so its bundle names it
  if (!holdsIdentityKey(identity.identityKey)) bundle.signer = deviceSigner(identity)
  await verifyBundle(crypto, bundle)
  if (options.withOneTime) {
    const opk = await store.issueOneTimePrekey(options.issuedAt)
    if (opk != null) bundle.oneTimePrekey = opk
  }
  return bundle
}
