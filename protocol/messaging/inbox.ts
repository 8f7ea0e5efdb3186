/**
 * Inbox: where envelopes received over `/ferry/dm` or fetched from a mailbox are decrypted and
 * durably stored. Arrivals are committed in small batches (GroupCommit, DESIGN.md invariant 3):
 * every `accept` resolves only after the transaction holding its message — and the session state
 * that decrypted it — has committed. A message seen before is recognised by sender and id before
 * any decryption. A read receipt (read-receipts.ts) marks the named outgoing messages to its sender
 * read before it is stored.
 *
 * Who may speak, and how far what they say is believed:
 * - a blocked peer is turned away before anything else, as a busy recipient would turn it away
 *   (it retries until its messages expire, and is not told it was blocked);
 * - a peer who is not a contact (a stranger) lands in a bounded message request: its messages are
 *   capped per peer and in total before any decryption, new sessions from strangers are rate
 *   limited, its session keeps one state and few skipped keys, and its capabilities and read
 *   receipts are ignored;
 * - mail fetched from a mailbox comes with a depositor the host states: it only picks the session
 *   to try, and everything the message claims is checked as for a direct one. Such mail never sets
 *   or replaces a contact's identity, never hands over a capability (where our mail goes) or a read
 *   receipt unless its session's identity is the contact's own, and is marked `unverified` when
 *   that binding was never confirmed over a direct connection.
 */
import { equalBytes, toHex } from '../util/bytes.js'
import { BlockedError, InvalidEnvelopeError, RateLimitedError, RefusedError } from '../errors.js'
import { GroupCommit } from '../util/group-commit.js'
import { verifyDevice } from '../crypto/identity.js'
import { readIds } from './read-receipts.js'
import { decodeContent, envelopeAd, openPayload } from './seal.js'
import { TokenBuckets } from '../services/streams/budget.js'
import type { Decrypted, Sessions } from './sessions.js'
import type { EnvelopeReceiver } from '../services/dm/index.js'
import type { IncomingMessage, MessageStore, StoreResult } from '../stores/stores.js'
import type { CallSignal, Content, Envelope, FileRef, Sealed } from '../pb/ferry.js'
import type { PeerId } from '@libp2p/interface'

/** Largest number of messages committed in one transaction. */
export const MAX_BATCH = 32

/** How an envelope reached this node: over a Noise connection from its sender, or from a mailbox host. */
export type Arrival = 'direct' | 'mailbox'

/** Who a peer is to this user; `self`: another device of this user's own. */
export type Relation = { kind: 'contact', identity?: Uint8Array, self?: boolean } | { kind: 'stranger' } | { kind: 'blocked' }

/** What message requests may hold and cost (the limits table in docs/LIMITS.md). */
export interface StrangerLimits {
  /** messages waiting from one stranger; more are refused (final at the sender) */
  messagesPerPeer: number
  /** UTF-8 bytes of text waiting from one stranger */
  bytesPerPeer: number
  /** strangers with a request at once */
  peers: number
  /** bytes of text waiting from all strangers together */
  bytes: number
  /** new sessions (PQXDH answers) for strangers: per second, and at once; beyond, a retry later */
  sessionsPerSecond: number
  sessionBurst: number
  /** session states and stored skipped keys a stranger's record keeps */
  states: number
  skipped: number
}

export const STRANGER_LIMITS: StrangerLimits = {
  messagesPerPeer: 20,
  bytesPerPeer: 256 * 1024,
  peers: 50,
  bytes: 4 * 1024 * 1024,
  sessionsPerSecond: 0.5,
  sessionBurst: 10,
  states: 1,
  skipped: 64
}

/** The payload could not be decrypted: no session, a forged or stale message, a tampered byte. */
export class UndecryptableError extends InvalidEnvelopeError {
  override name = 'UndecryptableError'
}

/**
 * A commit for this peer failed before this message's batch: the session state that decrypted it
 * was never written, so it was dropped; the sender retries and it decrypts again.
 */
export class SessionResetError extends Error {
  override name = 'SessionResetError'
}

/** A message waiting for its commit, with the session generation that decrypted it (and a call signal it carries). */
interface Pending extends IncomingMessage { generation: number, call?: CallSignal }

export interface InboxInit {
  messages: MessageStore
  sessions: Sessions
  now(): number
  /** called after a new (not duplicate) message is durably stored */
  onStored?(message: IncomingMessage): void
  /** a message received directly proved that `peer` holds `identity` */
  onIdentity?(peer: string, identity: Uint8Array): Promise<unknown>
  /**
   * A control message carries a mailbox capability from `peer` (identity `sender`): check it names
   * this node as sender and `peer`'s identity as owner; throw InvalidEnvelopeError when not.
   */
  checkCapability?(capability: Uint8Array, peer: PeerId, sender: Uint8Array): Promise<void>
  /**
   * A contact's message, received directly, fits no session held with it (no state, or not the
   * one it used: this node was restored from a backup, say). The caller may start a new session
   * (a restart control message): the contact's later messages then use it.
   */
  onUndecryptable?(peer: string): void
  /** who `peer` is; default: a contact whose identity is not known */
  relation?(peer: string): Promise<Relation>
  /**
   * A stranger's first message proved `identity` with a device certificate: when that is a
   * contact's identity, the device joins the contact (protocol/devices/) and this is its relation
   */
  adoptDevice?(peer: string, identity: Uint8Array): Promise<Relation | undefined>
  /** a signed device list from a contact or an own device whose session proved `identity` */
  onDevices?(list: Uint8Array, identity: Uint8Array, peer: string): Promise<void>
  /** an own other device sent a message (`sent` says to whom): record it in that conversation, idempotently */
  onSentCopy?(content: Content, peer: string): Promise<void>
  /** an own other device read messages (`readSync`): mark them read here too, idempotently */
  onReadSync?(content: Content): Promise<void>
  /** an own other device added or verified a contact (`contactSync`): the same here, idempotently */
  onContactSync?(content: Content): Promise<void>
  /** a contact's message announces a file (protocol/files/): keep the announcement, idempotently */
  onFile?(file: FileRef, message: { id: string, peer: string, createdAt: number, expiresAt: number, disappearing: boolean }): Promise<void>
  /** a contact's call signal (protocol/calls/): checked before the acknowledgement, heard once stored */
  calls?: { check(call: CallSignal): void, receive(call: CallSignal, from: { peer: string, sentAt: number }): Promise<void> }
  limits?: Partial<StrangerLimits>
}

export class Inbox implements EnvelopeReceiver {
  private readonly commits: GroupCommit<Pending, StoreResult>
  private readonly inflight = new Map<string, Promise<{ storedAt: number }>>()
  /** bumped when a peer's commit fails: messages decrypted from the dropped state are refused */
  private readonly generations = new Map<string, number>()
  private readonly limits: StrangerLimits
  private readonly strangerSessions: TokenBuckets
  /**
   * strangers' messages admitted but not yet committed (counted against the caps with what is
   * stored, so a pipelined burst cannot slip past them); a session leaves the cache at zero
   */
  private readonly strangerPending = new Map<string, { messages: number, bytes: number }>()

  constructor (private readonly init: InboxInit) {
    this.commits = new GroupCommit(async batch => this.commit(batch), MAX_BATCH)
    this.limits = { ...STRANGER_LIMITS, ...init.limits }
    this.strangerSessions = new TokenBuckets(this.limits.sessionsPerSecond, this.limits.sessionBurst, init.now, 1)
  }

  private generation (peer: string): number {
    return this.generations.get(peer) ?? 0
  }

  /**
   * Commit a batch. A failure drops the session state of every peer in it (it ran ahead of the
   * disk) before the next batch is looked at, so no later message is stored with a state that
   * consumed a key of a message that was not stored.
   */
  private async commit (batch: Pending[]): Promise<Array<StoreResult | Error>> {
    const results: Array<StoreResult | Error> = batch.map(() => new SessionResetError('session state was reset after a failed write; resend'))
    const live = batch.flatMap((m, i) => m.generation === this.generation(m.peer) ? [i] : [])
    try {
      const stored = await this.init.messages.storeIncoming(live.map(i => batch[i]))
      stored.forEach((r, j) => { results[live[j]] = r })
      return results
    } catch (err) {
      for (const i of live) {
        this.generations.set(batch[i].peer, this.generation(batch[i].peer) + 1)
        this.init.sessions.forget(batch[i].peer)
      }
      throw err
    }
  }

  /**
   * Decrypt an envelope from `from` and store it. From a mailbox, `from` is what the host says the
   * depositor was: it is checked against the message like anything else.
   *
   * @throws InvalidEnvelopeError (UndecryptableError when decryption fails; RefusedError, final,
   * for a full message request) | RateLimitedError (try later; BlockedError for a blocked sender) —
   * nothing is stored
   */
  async accept (env: Envelope, _bytes: Uint8Array, from: PeerId, via: Arrival = 'direct'): Promise<{ storedAt: number }> {
    const peer = from.toString()
    const id = toHex(env.id)
    const earlier = await this.init.messages.storedAt(id, peer)
    if (earlier != null) return { storedAt: earlier }
    const key = `${peer}/${id}`
    const running = this.inflight.get(key)
    if (running != null) return running
    const work = this.open(env, from, peer, id, via).finally(() => this.inflight.delete(key))
    this.inflight.set(key, work)
    return work
  }

  private async open (env: Envelope, from: PeerId, peer: string, id: string, via: Arrival): Promise<{ storedAt: number }> {
    const relation = await this.init.relation?.(peer) ?? { kind: 'contact' }
    if (relation.kind === 'blocked') throw new BlockedError('the recipient cannot take the message now; try later')
    const stranger = relation.kind === 'stranger'
    const sealed = openPayload(env)
    const sessions = this.init.sessions
    // decrypt in order per peer, but let the commit of one message overlap the next decryption
    let counted = 0 // a stranger's text bytes counted as pending for this message
    const { stored, message, identity, fresh } = await sessions.serialize(peer, async () => {
      if (stranger) await this.admitStranger(peer)
      try {
        return await this.decryptAndQueue(env, sealed, from, peer, id, via, relation, bytes => { counted = bytes })
      } catch (err) {
        if (stranger) this.releaseStranger(peer, counted)
        throw err
      }
    })
    let result: StoreResult
    try {
      result = await stored
    } finally {
      if (stranger) this.releaseStranger(peer, counted)
    }
    if (fresh) await this.init.onIdentity?.(peer, identity) // bound to the session, proven over a direct connection: check it once
    if (!result.duplicate) this.init.onStored?.(message)
    if (!result.duplicate && message.call != null) void this.init.calls?.receive(message.call, { peer, sentAt: message.createdAt })
    return { storedAt: result.storedAt }
  }

  /** Decrypt, check and queue one message for its commit (inside the peer's serialize). */
  private async decryptAndQueue (env: Envelope, sealed: Sealed, from: PeerId, peer: string, id: string, via: Arrival, relation: Relation, count: (bytes: number) => void): Promise<{ stored: Promise<StoreResult>, message: Pending, identity: Uint8Array, fresh: boolean }> {
    let stranger = relation.kind === 'stranger'
    let decrypted: Decrypted
    try {
      decrypted = await this.decrypt(peer, env, sealed, stranger)
    } catch (err) {
      // only a message on an existing session (no PQXDH initial): a bad first message is the sender's to retry
      if (err instanceof UndecryptableError && relation.kind === 'contact' && via === 'direct' && sealed.initial.byteLength === 0) this.init.onUndecryptable?.(peer)
      throw err
    }
    const content = decodeContent(decrypted.plaintext)
    await this.checkSender(content, decrypted, from)
    // a new device of a contact: its session proves the contact's identity (a hop cannot make one),
    // and its certificate (checked here on every message, not only a new session's) binds the
    // device to it; then it joins the contact, whichever way the message came
    if (stranger && this.init.adoptDevice != null && (decrypted.fresh || await verifyDevice(content.sender, content.senderDevice, content.deviceSignature))) {
      const adopted = await this.init.adoptDevice(peer, decrypted.senderIdentity)
      if (adopted != null) {
        relation = adopted
        stranger = false
      }
    }
    // the session's identity is the contact's own: only then may the message change what we do
    const bound = relation.kind === 'contact' && relation.identity != null && equalBytes(relation.identity, decrypted.senderIdentity)
    const trusted = !stranger && (via === 'direct' || bound)
    const capability = content.capability != null && content.capability.byteLength > 0 ? content.capability : undefined
    const read = readIds(content)
    if (stranger) {
      if (capability != null || read.length > 0 || content.restart === true || content.text === '') throw new RefusedError('control messages from someone who is not a contact are refused')
      if (content.file != null || content.call != null) throw new RefusedError(`${content.file != null ? 'files' : 'calls'} from someone who is not a contact are refused`)
      const bytes = new TextEncoder().encode(content.text).byteLength
      this.countPending(peer, 0, bytes)
      count(bytes)
    }
    if (capability != null && trusted) {
      if (this.init.checkCapability == null) throw new InvalidEnvelopeError('this node takes no mailbox capabilities')
      await this.init.checkCapability(capability, from, decrypted.senderIdentity)
    }
    // A read receipt is applied durably before the envelope is acknowledged (invariant 3), and
    // before the state that decrypted it is adopted: applying it twice changes nothing, so a
    // resend after a failed commit decrypts and applies it again.
    if (read.length > 0 && trusted) await this.init.messages.markReadByPeer(peer, read, this.init.now())
    const devices = content.devices != null && content.devices.byteLength > 0 ? content.devices : undefined
    if (devices != null && trusted && bound) {
      await this.init.onDevices?.(devices, decrypted.senderIdentity, peer).catch((err: any) => { throw new InvalidEnvelopeError(err.message) })
    }
    const self = relation.kind === 'contact' && relation.self === true && bound
    if (content.sent != null) {
      if (!self) throw new RefusedError('a copy of a sent message comes only from one\'s own device')
      await this.init.onSentCopy?.(content, peer) // idempotent, applied before the acknowledgement as a read receipt is
    }
    if (content.readSync != null || content.contactSync != null) {
      if (!self) throw new RefusedError('read state and contacts come only from one\'s own device')
      if (content.readSync != null) await this.init.onReadSync?.(content)
      if (content.contactSync != null) await this.init.onContactSync?.(content)
    }
    if (content.file != null && content.sent == null) {
      if (this.init.onFile == null) throw new RefusedError('this node takes no files')
      await this.init.onFile(content.file, { id, peer, createdAt: env.created, expiresAt: env.expiresAt, disappearing: content.disappearing === true })
    }
    if (content.call != null && content.sent == null) {
      if (this.init.calls == null) throw new RefusedError('this node takes no calls')
      this.init.calls.check(content.call) // InvalidEnvelopeError: malformed, told to the sender
    }
    try {
      await decrypted.adopt() // accepted: now the state (and a PQXDH answer) may change
    } catch (err: any) {
      throw new UndecryptableError(`cannot accept the message (${err.name}): ${err.message}`)
    }
    const message: Pending = { id, peer, text: content.text, createdAt: env.created, expiresAt: env.expiresAt, receivedAt: this.init.now(), session: decrypted.record, generation: this.generation(peer) }
    if (stranger) Object.assign(message, { request: true, identity: decrypted.senderIdentity })
    else if (relation.kind === 'contact' && !bound && (via === 'mailbox' || relation.identity != null)) message.unverified = true
    if (capability != null && trusted) message.capability = capability
    // a restart needs nothing more: the PQXDH answer above made its session the current one
    if (capability != null || read.length > 0 || content.restart === true || devices != null || content.sent != null || content.readSync != null || content.contactSync != null || (content.call != null && content.text === '')) message.kind = 'control'
    if (content.call != null && content.sent == null && trusted) message.call = content.call
    if (content.sent != null) message.text = '' // kept once, as the conversation's outgoing message
    if (content.disappearing === true) message.disappearing = true
    return { stored: this.commits.add(message), message, identity: decrypted.senderIdentity, fresh: decrypted.fresh && via === 'direct' && !stranger }
  }

  /**
   * A stranger may leave a message within its request's caps and the total's, checked before any
   * decryption. (A new session also needs the strangers' session budget: taken in decrypt, once a
   * replay has been refused for free.)
   *
   * @throws RefusedError when a request is full
   */
  private async admitStranger (peer: string): Promise<void> {
    const stored = await this.init.messages.requestUsage(peer)
    const pending = this.strangerPending.get(peer) ?? { messages: 0, bytes: 0 }
    const mine = { messages: stored.messages + pending.messages, bytes: stored.bytes + pending.bytes }
    if (mine.messages >= this.limits.messagesPerPeer || mine.bytes >= this.limits.bytesPerPeer) {
      throw new RefusedError(`your message request is full (${this.limits.messagesPerPeer} messages or ${this.limits.bytesPerPeer / 1024} KiB wait until the recipient accepts it)`)
    }
    const all = await this.init.messages.requestUsage()
    const others = [...this.strangerPending.values()].reduce((n, p) => n + p.bytes, 0)
    const waiting = new Set(this.strangerPending.keys()).size
    if ((mine.messages === 0 && all.peers + waiting >= this.limits.peers) || all.bytes + others >= this.limits.bytes) {
      throw new RefusedError('the recipient has too many message requests waiting; try again once they are answered')
    }
    this.countPending(peer, 1, 0)
  }

  private countPending (peer: string, messages: number, bytes: number): void {
    const p = this.strangerPending.get(peer) ?? { messages: 0, bytes: 0 }
    this.strangerPending.set(peer, { messages: p.messages + messages, bytes: p.bytes + bytes })
  }

  /** An admitted message was committed or dropped (with `bytes` of text counted for it). */
  private releaseStranger (peer: string, bytes: number): void {
    const p = this.strangerPending.get(peer) ?? { messages: 1, bytes }
    if (p.messages > 1) {
      this.strangerPending.set(peer, { messages: p.messages - 1, bytes: p.bytes - bytes })
      return
    }
    this.strangerPending.delete(peer)
    this.init.sessions.forget(peer) // committed with its message: the record on disk is current
  }

  private async decrypt (peer: string, env: Envelope, sealed: Sealed, stranger: boolean): Promise<Decrypted> {
    try {
      const budget = (): void => {
        // a new session from a stranger costs ~3 ms of public-key work: budgeted (a replay was refused before)
        if (!this.strangerSessions.take('')) throw new RateLimitedError('too many new conversations from strangers right now; try again later')
      }
      return await this.init.sessions.decrypt(peer, sealed, envelopeAd(env), stranger ? { states: this.limits.states, skipped: this.limits.skipped, beforeAnswer: budget } : {})
    } catch (err: any) {
      if (err instanceof RateLimitedError) throw err
      throw new UndecryptableError(`cannot decrypt the message (${err.name}): ${err.message}`)
    }
  }

  /**
   * The content speaks for the device that sent it (the Noise-authenticated connection's peer, or
   * the depositor a host named), for its session's identity, and — on a new session — with a
   * device certificate both keys signed.
   */
  private async checkSender (content: Content, decrypted: Decrypted, from: PeerId): Promise<void> {
    if (!equalBytes(content.senderDevice, from.toMultihash().bytes)) throw new InvalidEnvelopeError('message names a sender device other than the connection\'s peer')
    if (!equalBytes(content.sender, decrypted.senderIdentity)) throw new InvalidEnvelopeError('message names an identity other than its session\'s')
    if (decrypted.fresh && !await verifyDevice(content.sender, content.senderDevice, content.deviceSignature)) {
      throw new InvalidEnvelopeError('sender device certificate does not verify')
    }
  }
}
