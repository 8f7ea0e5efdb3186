/**
 * Inbox: where envelopes received over `/ferry/dm` are decrypted and durably stored. Arrivals are
 * committed in small batches (GroupCommit, DESIGN.md invariant 3): every `accept` resolves only
 * after the transaction holding its message — and the session state that decrypted it — has
 * committed. A message seen before is recognised by id before any decryption. A read receipt
 * (read-receipts.ts) marks the named outgoing messages to its sender read before it is stored.
 */
import { equalBytes, toHex } from './envelope.js'
import { InvalidEnvelopeError } from './errors.js'
import { GroupCommit } from './group-commit.js'
import { verifyDevice } from './identity.js'
import { readIds } from './read-receipts.js'
import { decodeContent, envelopeAd, openPayload } from './sealing.js'
import type { Sessions } from './sessions.js'
import type { EnvelopeReceiver } from './services/dm/index.js'
import type { IncomingMessage, MessageStore, StoreResult } from './stores.js'
import type { Envelope } from './pb/ferry.js'
import type { PeerId } from '@libp2p/interface'

/** Largest number of messages committed in one transaction. */
export const MAX_BATCH = 32

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

/** A message waiting for its commit, with the session generation that decrypted it. */
interface Pending extends IncomingMessage { generation: number }

export interface InboxInit {
  messages: MessageStore
  sessions: Sessions
  now(): number
  /** called after a new (not duplicate) message is durably stored */
  onStored?(message: IncomingMessage): void
  /** a decrypted message proved that `peer` holds `identity` */
  onIdentity?(peer: string, identity: Uint8Array): Promise<unknown>
  /**
   * A control message carries a mailbox capability from `peer` (identity `sender`): check it names
   * this node as sender and `peer`'s identity as owner; throw InvalidEnvelopeError when not.
   */
  checkCapability?(capability: Uint8Array, peer: PeerId, sender: Uint8Array): Promise<void>
}

export class Inbox implements EnvelopeReceiver {
  private readonly commits: GroupCommit<Pending, StoreResult>
  private readonly inflight = new Map<string, Promise<{ storedAt: number }>>()
  /** bumped when a peer's commit fails: messages decrypted from the dropped state are refused */
  private readonly generations = new Map<string, number>()

  constructor (private readonly init: InboxInit) {
    this.commits = new GroupCommit(async batch => this.commit(batch), MAX_BATCH)
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
   * Decrypt an envelope from `from` and store it.
   *
   * @throws InvalidEnvelopeError (UndecryptableError when decryption fails) — nothing is stored
   */
  async accept (env: Envelope, _bytes: Uint8Array, from: PeerId): Promise<{ storedAt: number }> {
    const peer = from.toString()
    const id = toHex(env.id)
    const earlier = await this.init.messages.storedAt(id, peer)
    if (earlier != null) return { storedAt: earlier }
    const key = `${peer}/${id}`
    const running = this.inflight.get(key)
    if (running != null) return running
    const work = this.open(env, from, peer, id).finally(() => this.inflight.delete(key))
    this.inflight.set(key, work)
    return work
  }

  private async open (env: Envelope, from: PeerId, peer: string, id: string): Promise<{ storedAt: number }> {
    const sealed = openPayload(env)
    const sessions = this.init.sessions
    // decrypt in order per peer, but let the commit of one message overlap the next decryption
    const { stored, message, identity, fresh } = await sessions.serialize(peer, async () => {
      let decrypted
      try {
        decrypted = await sessions.decrypt(peer, sealed, envelopeAd(env))
      } catch (err: any) {
        throw new UndecryptableError(`cannot decrypt the message (${err.name}): ${err.message}`)
      }
      const content = decodeContent(decrypted.plaintext)
      // The connection is Noise-authenticated: a message may only speak for the device that sent it.
      if (!equalBytes(content.senderDevice, from.toMultihash().bytes)) throw new InvalidEnvelopeError('message names a sender device other than the connection\'s peer')
      if (!equalBytes(content.sender, decrypted.senderIdentity)) throw new InvalidEnvelopeError('message names an identity other than its session\'s')
      if (decrypted.fresh && !await verifyDevice(content.sender, content.senderDevice, content.deviceSignature)) {
        throw new InvalidEnvelopeError('sender device certificate does not verify')
      }
      const capability = content.capability != null && content.capability.byteLength > 0 ? content.capability : undefined
      if (capability != null) {
        if (this.init.checkCapability == null) throw new InvalidEnvelopeError('this node takes no mailbox capabilities')
        await this.init.checkCapability(capability, from, decrypted.senderIdentity)
      }
      const read = readIds(content)
      // A read receipt is applied durably before the envelope is acknowledged (invariant 3), and
      // before the state that decrypted it is adopted: applying it twice changes nothing, so a
      // resend after a failed commit decrypts and applies it again.
      if (read.length > 0) await this.init.messages.markReadByPeer(peer, read, this.init.now())
      try {
        await decrypted.adopt() // accepted: now the state (and a PQXDH answer) may change
      } catch (err: any) {
        throw new UndecryptableError(`cannot accept the message (${err.name}): ${err.message}`)
      }
      const message: Pending = { id, peer, text: content.text, createdAt: env.created, expiresAt: env.expiresAt, receivedAt: this.init.now(), session: decrypted.record, generation: this.generation(peer) }
      if (capability != null) message.capability = capability
      if (capability != null || read.length > 0) message.kind = 'control'
      if (content.disappearing === true) message.disappearing = true
      return { stored: this.commits.add(message), message, identity: decrypted.senderIdentity, fresh: decrypted.fresh }
    })
    const result = await stored
    if (fresh) await this.init.onIdentity?.(peer, identity) // the identity is bound to the session: check it once
    if (!result.duplicate) this.init.onStored?.(message)
    return { storedAt: result.storedAt }
  }
}
