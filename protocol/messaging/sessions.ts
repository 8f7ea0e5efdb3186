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
import { decodeBundle } from '../crypto/bundle.js'
import { decodeInitial, encodeInitial, initiate, prepareResponse } from '../crypto/pqxdh.js'
import { decodeState, encodeState, initReceiver, initSender, ratchetDecrypt, ratchetEncrypt } from '../crypto/ratchet.js'
import { equalBytes, toHex } from '../util/bytes.js'
import { SessionRecord } from './pb/sessions.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { PrekeyStore } from '../crypto/prekeys.js'
import type { RatchetState } from '../crypto/ratchet.js'
import type { Identity } from '../crypto/identity.js'
import type { Sealed } from '../pb/ferry.js'

/** Session states kept per peer. */
export const MAX_SESSIONS = 4

/** Committed PQXDH answers remembered in memory, so a first message whose write failed can retry. */
const MAX_ANSWERED = 256

/** No session with the peer and no prekey bundle to start one. */
export class NoSessionError extends Error {
  override name = 'NoSessionError'
}

/** Nothing in the record decrypts this message (not a duplicate; a stale or forged message). */
export class NoMatchingSessionError extends Error {
  override name = 'NoMatchingSessionError'
}

/** A session state in memory: the ratchet decoded once, encoded only into the record to persist. */
interface State { ratchet: RatchetState, ad: Uint8Array, remoteIdentity: Uint8Array, initial: Uint8Array, initialHash: Uint8Array }

export interface SessionsInit {
  crypto: CryptoBackend
  me: Identity
  prekeys: PrekeyStore
  /** the stored record of a peer */
  load(peer: string): Promise<Uint8Array | undefined>
}

export interface Encrypted { sealed: Sealed, record: Uint8Array }

/** What a record may keep (defaults: MAX_SESSIONS states, the ratchet's own bound on skipped keys). */
export interface SessionLimits {
  /** states kept, newest first */
  states?: number
  /** skipped message keys kept in the state that decrypted */
  skipped?: number
  /**
   * called before the public-key work of answering a new session, once the cheap checks (a replay,
   * an unknown prekey) passed; it may throw to refuse the answer (a budget)
   */
  beforeAnswer?(): void
}
export interface Decrypted {
  plaintext: Uint8Array
  senderIdentity: Uint8Array
  record: Uint8Array
  /** this message started a new session (PQXDH answered): check the sender's device certificate */
  fresh: boolean
  /** accept the message: commit the PQXDH answer (if fresh) and make the new state current */
  adopt(): Promise<void>
}

export class Sessions {
  private readonly cache = new Map<string, State[]>()
  private readonly queues = new Map<string, Promise<unknown>>()
  /** initial states of PQXDH answers already committed, by peer and initial-message hash */
  private readonly answered = new Map<string, State>()

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

  /**
   * Whether a session with `peer` exists (so no bundle is needed to send) — with `identity` (the
   * contact's accepted identity key), a session with that identity.
   */
  async has (peer: string, identity?: Uint8Array): Promise<boolean> {
    return (await this.states(peer)).some(s => identity == null || equalBytes(s.remoteIdentity, identity))
  }

  /**
   * Encrypt for `peer`, starting a session from `bundle` (encoded PrekeyBundle) if there is none.
   * Call inside `serialize(peer, ...)`.
   *
   * Only a state with `identity` is used when it is given: a session that arrived under another
   * identity (one the user has not accepted, perhaps through a mailbox) never carries what we send.
   *
   * @param ad - the envelope's outer fields (envelopeAd): a hop cannot change them unnoticed
   * @param identity - the contact's accepted identity key, when known
   * @param restart - start a new session from `bundle` even when one exists (the peer could not
   *   decrypt what we sent on it, or holds none: a session restart)
   * @throws NoSessionError when there is no such session and no bundle
   */
  async encrypt (peer: string, plaintext: Uint8Array, ad: Uint8Array, bundle?: Uint8Array, identity?: Uint8Array, restart = false): Promise<Encrypted> {
    let states = await this.states(peer)
    const at = restart && bundle != null ? -1 : states.findIndex(s => identity == null || equalBytes(s.remoteIdentity, identity))
    if (at < 0) {
      if (bundle == null) throw new NoSessionError('no session and no prekey bundle for this contact: add them by invite, or connect to them once')
      const started = decodeBundle(bundle)
      if (identity != null && !equalBytes(started.identity, identity)) throw new NoSessionError('the prekey bundle belongs to another identity than the contact\'s')
      states = [await this.start(started), ...states]
    } else if (at > 0) {
      states = [states[at], ...states.filter((_, i) => i !== at)]
    }
    const [current, ...rest] = states
    const out = await ratchetEncrypt(this.init.crypto, current.ratchet, plaintext, concatBytes(current.ad, ad))
    const updated = [{ ...current, ratchet: out.state }, ...rest]
    this.cache.set(peer, updated)
    return { sealed: { initial: current.initial, header: out.header, ciphertext: out.ciphertext }, record: encodeRecord(updated) }
  }

  /**
   * Decrypt a message from `peer`; a PQXDH initial message starts (or finds) its session. Call
   * inside `serialize(peer, ...)`. Nothing changes until the caller, having accepted the message,
   * calls `adopt()`: then the PQXDH answer is committed (initial message marked seen, one-time
   * prekey deleted) and the new state becomes current. A rejected message changes nothing.
   *
   * `limits` keep less for peers who are not contacts: fewer states, fewer stored skipped keys.
   *
   * @throws NoMatchingSessionError | ratchet and PQXDH errors (all typed)
   */
  async decrypt (peer: string, sealed: Sealed, ad: Uint8Array, limits: SessionLimits = {}): Promise<Decrypted> {
    const states = await this.states(peer)
    let candidates = states
    let commitAnswer: (() => Promise<void>) | undefined
    let fresh = false
    if (sealed.initial.byteLength > 0) {
      const hash = await this.init.crypto.sha256(sealed.initial)
      const known = states.filter(s => equalBytes(s.initialHash, hash))
      const key = `${peer}/${toHex(hash)}`
      const committed = this.answered.get(key)
      if (known.length > 0) {
        candidates = known
      } else if (committed != null) {
        // answered before, but the message's write failed and the state was dropped: start over
        // from the committed answer instead of refusing the retry as a replay
        candidates = [committed]
        fresh = true
      } else {
        const answered = await this.answer(sealed.initial, hash, limits.beforeAnswer)
        candidates = [answered.state]
        commitAnswer = async () => {
          await answered.commit()
          this.answered.set(key, answered.state)
          if (this.answered.size > MAX_ANSWERED) this.answered.delete(this.answered.keys().next().value as string)
        }
        fresh = true
      }
    }
    let lastError: Error | undefined
    for (const state of candidates) {
      let out
      try {
        out = await ratchetDecrypt(this.init.crypto, state.ratchet, sealed.header, sealed.ciphertext, concatBytes(state.ad, ad))
      } catch (err: any) {
        lastError = err
        continue
      }
      // the peer answered on a session we started: it has the initial message, stop attaching it
      const ratchet = limits.skipped == null ? out.state : { ...out.state, skipped: out.state.skipped.slice(-limits.skipped) }
      const used: State = { ...state, ratchet, initial: sealed.initial.byteLength > 0 ? state.initial : new Uint8Array(0) }
      const updated = [used, ...states.filter(s => s !== state)].slice(0, limits.states ?? MAX_SESSIONS)
      const adopt = async (): Promise<void> => {
        await commitAnswer?.()
        this.cache.set(peer, updated)
      }
      return { plaintext: out.plaintext, senderIdentity: state.remoteIdentity, record: encodeRecord(updated), fresh, adopt }
    }
    throw lastError ?? new NoMatchingSessionError('no session with this peer decrypts the message')
  }

  /**
   * The peer confirmed (by a signed delivery receipt) a message that carried our PQXDH initial
   * message: it holds the session, so later messages need not carry the initial message (Signal
   * attaches it until the first reply; a Ferry receipt proves the same sooner). The change is
   * persisted with the next message; after a crash the initial is simply attached again.
   */
  async confirmed (peer: string, initial: Uint8Array): Promise<void> {
    await this.serialize(peer, async () => {
      const states = await this.states(peer)
      if (states.length === 0 || !equalBytes(states[0].initial, initial)) return
      this.cache.set(peer, [{ ...states[0], initial: new Uint8Array(0) }, ...states.slice(1)])
    })
  }

  /** Whether our current state with `peer` still attaches a PQXDH initial message (cached states only). */
  attachesInitial (peer: string): boolean {
    const current = this.cache.get(peer)?.[0]
    return current != null && current.initial.byteLength > 0
  }

  /** A write of this peer's record failed: reload it from the store next time. */
  forget (peer: string): void {
    this.cache.delete(peer)
  }

  private async states (peer: string): Promise<State[]> {
    let states = this.cache.get(peer)
    if (states == null) {
      const bytes = await this.init.load(peer)
      states = bytes == null ? [] : SessionRecord.decode(bytes).states.map(s => ({ ...s, ratchet: decodeState(s.ratchet) }))
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
    return { ratchet, ad: agreed.associatedData, remoteIdentity: bundle.identity, initial, initialHash: new Uint8Array(0) }
  }

  /** Bob: a new receiving state for a PQXDH initial message, and the commit that consumes it. */
  private async answer (initialBytes: Uint8Array, hash: Uint8Array, beforeWork?: () => void): Promise<{ state: State, commit(): Promise<void> }> {
    const agreed = await prepareResponse(this.init.crypto, this.init.me, this.init.prekeys, decodeInitial(initialBytes), { beforeWork })
    const ratchet = await initReceiver(this.init.crypto, agreed.sharedKey, agreed.ratchetKeyPair)
    return { state: { ratchet, ad: agreed.associatedData, remoteIdentity: agreed.senderIdentity, initial: new Uint8Array(0), initialHash: hash }, commit: agreed.commit }
  }
}

function encodeRecord (states: State[]): Uint8Array {
  return SessionRecord.encode({ states: states.slice(0, MAX_SESSIONS).map(s => ({ ...s, ratchet: encodeState(s.ratchet) })) })
}

function concatBytes (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}
