/**
 * Store interfaces: one per kind of data (STYLE.md "For Ferry" 3). SQLite (node/) and IndexedDB
 * (browser/) implement them; `memory-stores.ts` serves unit tests; one compliance suite runs
 * against every implementation. Every write resolves only once it is durable.
 */
import type { PrekeyStore } from './crypto/prekeys.js'

/** Where a message is in its life (DESIGN.md "Delivery"). */
export type MessageStatus = 'queued' | 'stored' | 'delivered' | 'read' | 'expired' | 'failed'

export interface Contact {
  /** local display name, unique */
  name: string
  /** the contact's device peer id (string form) */
  peerId: string
  /** identity public key when known (from an invite, or learned from a verified device certificate) */
  identity?: Uint8Array
  /** multiaddr strings to try, best first */
  addresses: string[]
  addedAt: number
  /** the user compared safety numbers and confirmed them (`ferry verify NAME --confirm`) */
  verified?: boolean
  /**
   * a different identity key was seen for this contact; sending pauses until the user accepts it
   * (`ferry verify NAME --accept`)
   */
  pendingIdentity?: Uint8Array
  /** the contact's encoded PrekeyBundle from its invite: first contact needs no network */
  bundle?: Uint8Array
}

export interface ContactStore {
  /** @throws ContactExistsError when the name or the peer is taken */
  add(contact: Contact): Promise<void>
  /** replace the stored fields of the contact with this name */
  update(contact: Contact): Promise<void>
  get(name: string): Promise<Contact | undefined>
  getByPeer(peerId: string): Promise<Contact | undefined>
  list(): Promise<Contact[]>
}

export interface MessageRecord {
  /** 128-bit message id, lower-case hex */
  id: string
  /** the other side's peer id */
  peer: string
  direction: 'in' | 'out'
  text: string
  status: MessageStatus
  createdAt: number
  expiresAt: number
  deliveredAt?: number
  /** why a message failed, when it did */
  error?: string
  /** store order: fixed when the message is first written */
  seq: number
  /** change stamp: increases with every write to any message (used to follow changes) */
  rev: number
}

/** An outgoing message with the exact envelope bytes to (re)send while it is queued. */
export interface OutgoingMessage extends Omit<MessageRecord, 'seq' | 'rev' | 'direction'> {
  envelope: Uint8Array
  /** the peer's session record after encrypting this message, written in the same transaction */
  session?: Uint8Array
}

/** A queued outgoing message as the outbox reads it: with its store order. */
export interface QueuedMessage extends OutgoingMessage {
  seq: number
}

export interface IncomingMessage {
  id: string
  peer: string
  text: string
  createdAt: number
  expiresAt: number
  receivedAt: number
  /** the peer's session record after decrypting this message, written in the same transaction */
  session?: Uint8Array
}

/** A receipt for an outgoing message. */
export interface Delivered {
  id: string
  /** the encoded, verified DeliveryReceipt */
  receipt: Uint8Array
  deliveredAt: number
}

export interface StoreResult {
  /** when the message was first stored (the original time for a duplicate) */
  storedAt: number
  duplicate: boolean
}

export interface MessageStore {
  /**
   * Store new outgoing messages as queued, with their envelopes, in one transaction. A message
   * whose id is taken gets an InvalidEnvelopeError in its result slot; the others are stored.
   */
  addOutgoing(batch: OutgoingMessage[]): Promise<Array<MessageRecord | Error>>
  /**
   * Store received messages in one transaction. A message id seen before from the same peer is a
   * duplicate: nothing is written and its original storedAt is returned.
   *
   * @throws InvalidEnvelopeError (per item, as a rejected result) when the id was used by another peer
   */
  storeIncoming(batch: IncomingMessage[]): Promise<Array<StoreResult | Error>>
  /** record receipts of outgoing messages in one transaction; their queued envelopes are dropped */
  markDelivered(receipts: Delivered[]): Promise<void>
  /** set a final status on an outgoing message (expired, failed) */
  markStatus(id: string, status: MessageStatus, error?: string): Promise<void>
  /** queued outgoing messages in store order, optionally for one peer, after a seq, at most `limit` */
  queued(peer?: string, options?: { afterSeq?: number, limit?: number }): Promise<QueuedMessage[]>
  /** messages in store order, optionally for one peer and only those changed after a rev */
  list(options?: ListOptions): Promise<MessageRecord[]>
  get(id: string, direction: 'in' | 'out'): Promise<MessageRecord | undefined>
  /** number of queued outgoing messages */
  countQueued(): Promise<number>
  /** when a received message with this id from this peer was stored, if it was */
  storedAt(id: string, peer: string): Promise<number | undefined>
  /** the Double Ratchet session record kept for a peer (written only with a message) */
  session(peer: string): Promise<Uint8Array | undefined>
}

export interface ListOptions {
  peer?: string
  changedAfter?: number
  limit?: number
}

export interface FerryStores {
  contacts: ContactStore
  messages: MessageStore
  /** this device's prekeys (PQXDH) */
  prekeys: PrekeyStore
}
