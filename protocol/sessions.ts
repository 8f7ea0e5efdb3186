/**
 * Sessions: one Double Ratchet session record per peer device, started with PQXDH (DESIGN.md
 * "Identity and keys"). Work per peer is serialized (as libsignal's one queue per address), and
 * the record each encrypt/decrypt produces is handed back to be persisted atomically with the
 * message (stores.ts `session`): state on disk never runs ahead of stored messages, so a crash
 * never reuses a message key on the wire.
 *
 * A record holds up to MAX_SESSIONS states, newest first: when both sides start a session at
 * once, or a peer restarts one, older states still decrypt what was sent on them (as Signal's
 * "previous sessions"); the state that decrypts a message moves to the front.
 */
import { decodeBundle } from './crypto/bundle.js'
import { decodeInitial, encodeInitial, initiate, respond } from './crypto/pqxdh.js'
import { decodeState, encodeState, initReceiver, initSender, ratchetDecrypt, ratchetEncrypt } from './crypto/ratchet.js'
import { equalBytes } from './envelope.js'
import { SessionRecord } from './pb/sessions.js'
import type { CryptoBackend } from './crypto.js'
import type { PrekeyStore } from './crypto/prekeys.js'
import type { Identity } from './identity.js'
import type { Sealed } from './pb/ferry.js'

/** Session states kept per peer. */
export const MAX_SESSIONS = 4

/** No session with the peer and no prekey bundle to start one. */
export class NoSessionError extends Error {
  override name = 'NoSessionError'
}

/** Nothing in the record decrypts this message (not a duplicate; a stale or forged message). */
export class NoMatchingSessionError extends Error {
  override name = 'NoMatchingSessionError'
}

interface State { ratchet: Uint8Array, ad: Uint8Array, remoteIdentity: Uint8Array, initial: Uint8Array, initialHash: Uint8Array }

export interface SessionsInit {
  crypto: CryptoBackend
  me: Identity
  prekeys: PrekeyStore
  /** the stored record of a peer */
  load(peer: string): Promise<Uint8Array | undefined>
}

export interface Encrypted { sealed: Sealed, record: Uint8Array }
export interface Decrypted { plaintext: Uint8Array, senderIdentity: Uint8Array, record: Uint8Array }

export class Sessions {
  private readonly cache = new Map<string, State[]>()
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor (private readonly init: SessionsInit) {}

  /** Run `fn` after every earlier task for `peer` (one queue per peer). */
  async serialize<T> (peer: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(peer) ?? Promise.resolve()
    const next = prev.then(fn, fn)
    const tail = next.catch(() => {})
    this.queues.set(peer, tail)
    void tail.then(() => { if (this.queues.get(peer) === tail) this.queues.delete(peer) })
    return next
  }

  /** Whether a session with `peer` exists (so no bundle is needed to send). */
  async has (peer: string): Promise<boolean> {
    return (await this.states(peer)).length > 0
  }

  /**
   * Encrypt for `peer`, starting a session from `bundle` (encoded PrekeyBundle) if there is none.
   * Call inside `serialize(peer, ...)`.
   *
   * @param ad - what the envelope binds (id, times, recipient): a hop cannot change it unnoticed
   * @throws NoSessionError when there is no session and no bundle
   */
  async encrypt (peer: string, plaintext: Uint8Array, ad: Uint8Array, bundle?: Uint8Array): Promise<Encrypted> {
    let states = await this.states(peer)
    if (states.length === 0) {
      if (bundle == null) throw new NoSessionError('no session and no prekey bundle for this contact: add them by invite, or connect to them once')
      states = [await this.start(decodeBundle(bundle))]
    }
    const [current, ...rest] = states
    const out = await ratchetEncrypt(this.init.crypto, decodeState(current.ratchet), plaintext, concatBytes(current.ad, ad))
    const updated = [{ ...current, ratchet: encodeState(out.state) }, ...rest]
    this.cache.set(peer, updated)
    return { sealed: { initial: current.initial, header: out.header, ciphertext: out.ciphertext }, record: encodeRecord(updated) }
  }

  /**
   * Decrypt a message from `peer`; a PQXDH initial message starts (or finds) its session.
   * Call inside `serialize(peer, ...)`. On failure the record is unchanged.
   *
   * @throws NoMatchingSessionError | ratchet and PQXDH errors (all typed)
   */
  async decrypt (peer: string, sealed: Sealed, ad: Uint8Array): Promise<Decrypted> {
    const states = await this.states(peer)
    let candidates = states
    if (sealed.initial.byteLength > 0) {
      const hash = await this.init.crypto.sha256(sealed.initial)
      const known = states.filter(s => equalBytes(s.initialHash, hash))
      candidates = known.length > 0 ? known : [await this.answer(sealed.initial, hash)]
    }
    let lastError: Error = new NoMatchingSessionError('no session with this peer decrypts the message')
    for (const state of candidates) {
      try {
        const out = await ratchetDecrypt(this.init.crypto, decodeState(state.ratchet), sealed.header, sealed.ciphertext, concatBytes(state.ad, ad))
        // the peer answered on a session we started: it has the initial message, stop attaching it
        const used: State = { ...state, ratchet: encodeState(out.state), initial: sealed.initial.byteLength > 0 ? state.initial : new Uint8Array(0) }
        const updated = [used, ...states.filter(s => s !== state)].slice(0, MAX_SESSIONS)
        this.cache.set(peer, updated)
        return { plaintext: out.plaintext, senderIdentity: state.remoteIdentity, record: encodeRecord(updated) }
      } catch (err: any) {
        lastError = err
      }
    }
    throw lastError
  }

  /** A write of this peer's record failed: reload it from the store next time. */
  forget (peer: string): void {
    this.cache.delete(peer)
  }

  private async states (peer: string): Promise<State[]> {
    let states = this.cache.get(peer)
    if (states == null) {
      const bytes = await this.init.load(peer)
      states = bytes == null ? [] : SessionRecord.decode(bytes).states
      this.cache.set(peer, states)
    }
    return states
  }

  /** Alice: PQXDH with the peer's bundle, then the ratchet's sending side. */
  private async start (bundle: ReturnType<typeof decodeBundle>): Promise<State> {
    const dh = await this.init.prekeys.identityDh()
    if (dh == null) throw new NoSessionError('this device has no prekeys yet')
    const agreed = await initiate(this.init.crypto, this.init.me, dh, bundle)
    const ratchet = await initSender(this.init.crypto, agreed.sharedKey, agreed.remoteRatchetKey)
    const initial = encodeInitial(agreed.initial)
    return { ratchet: encodeState(ratchet), ad: agreed.associatedData, remoteIdentity: bundle.identity, initial, initialHash: new Uint8Array(0) }
  }

  /** Bob: answer a PQXDH initial message with a new receiving state. */
  private async answer (initialBytes: Uint8Array, hash: Uint8Array): Promise<State> {
    const agreed = await respond(this.init.crypto, this.init.me, this.init.prekeys, decodeInitial(initialBytes))
    const ratchet = await initReceiver(this.init.crypto, agreed.sharedKey, agreed.ratchetKeyPair)
    return { ratchet: encodeState(ratchet), ad: agreed.associatedData, remoteIdentity: agreed.senderIdentity, initial: new Uint8Array(0), initialHash: hash }
  }
}

function encodeRecord (states: State[]): Uint8Array {
  return SessionRecord.encode({ states: states.slice(0, MAX_SESSIONS) })
}

function concatBytes (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}
