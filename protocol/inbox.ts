/**
 * Inbox: where envelopes received over `/ferry/dm` are opened and durably stored. Arrivals are
 * committed in small batches (GroupCommit, DESIGN.md invariant 3): every `accept` resolves only
 * after the transaction holding its message has committed.
 */
import { decodePayload, equalBytes, toHex } from './envelope.js'
import { InvalidEnvelopeError } from './errors.js'
import { GroupCommit } from './group-commit.js'
import type { EnvelopeReceiver } from './services/dm/index.js'
import type { IncomingMessage, MessageStore, StoreResult } from './stores.js'
import type { Envelope } from './pb/ferry.js'
import type { PeerId } from '@libp2p/interface'

/** Largest number of messages committed in one transaction. */
export const MAX_BATCH = 128

export interface InboxInit {
  messages: MessageStore
  now(): number
  /** called after a new (not duplicate) message is durably stored */
  onStored?(message: IncomingMessage): void
}

export class Inbox implements EnvelopeReceiver {
  private readonly commits: GroupCommit<IncomingMessage, StoreResult>

  constructor (private readonly init: InboxInit) {
    this.commits = new GroupCommit(async batch => init.messages.storeIncoming(batch), MAX_BATCH)
  }

  /**
   * Open an envelope from `from` and store it.
   *
   * @throws InvalidEnvelopeError when the payload is malformed or claims another sender device
   */
  async accept (env: Envelope, _bytes: Uint8Array, from: PeerId): Promise<{ storedAt: number }> {
    const content = decodePayload(env.payload)
    // The connection is Noise-authenticated: a payload may only speak for the device that sent it.
    if (!equalBytes(content.senderDevice, from.toMultihash().bytes)) {
      throw new InvalidEnvelopeError('payload names a sender device other than the connection\'s peer')
    }
    const message: IncomingMessage = {
      id: toHex(env.id),
      peer: from.toString(),
      text: content.text,
      createdAt: env.created,
      expiresAt: env.expiresAt,
      receivedAt: this.init.now()
    }
    const result = await this.commits.add(message)
    if (!result.duplicate) this.init.onStored?.(message)
    return { storedAt: result.storedAt }
  }
}
