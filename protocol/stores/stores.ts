/**
 * Store interfaces: one per kind of data. SQLite (node/) and IndexedDB
 * (browser/) implement them; `memory-stores.ts` serves unit tests; one compliance suite runs
 * against every implementation. Every write resolves only once it is durable.
 */
import type { PrekeyStore } from '../crypto/prekeys.js'
import type { RoomStore } from './rooms.js'
import type { ContactStore } from './contacts.js'
import type { FileStore } from './files.js'

export type { RoomHistoryEntry, RoomStore, StoredRoomHistoryEntry } from './rooms.js'
export type { Contact, ContactDevice, ContactStore } from './contacts.js'
export type { FileStatus, FileStore, StoredChunk, StoredFile } from './files.js'

/**
 * Where a message is in its life (DESIGN.md "Delivery"). 'sent': sent from another of this
 * person's devices, which follows its delivery (docs/DEVICES.md).
 */
export type MessageStatus = 'queued' | 'stored' | 'delivered' | 'read' | 'expired' | 'failed' | 'sent'

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
  /** deleted everywhere at expiresAt (a disappearing message), not only undeliverable after it */
  disappearing?: boolean
  /** mailboxes holding the message for its recipient (custody receipts), while status is 'stored' */
  mailboxes?: Custody[]
  /**
   * received through a mailbox from a contact whose identity was never confirmed over a direct
   * connection (unknown, or different from the one on record): shown as unverified
   */
  unverified?: boolean
  /** store order: fixed when the message is first written */
  seq: number
  /** change stamp: increases with every write to any message (used to follow changes) */
  rev: number
}

/** A mailbox's signed statement that it holds an outgoing message (DESIGN.md "Mailboxes"). */
export interface Custody {
  /** the mailbox host's peer id */
  host: string
  storedAt: number
  /** the encoded, verified CustodyReceipt */
  receipt: Uint8Array
}

/** An outgoing message with the exact envelope bytes to (re)send while it is queued. */
export interface OutgoingMessage extends Omit<MessageRecord, 'seq' | 'rev' | 'direction' | 'mailboxes'> {
  /**
   * 'control': carries a mailbox capability or a read receipt, not shown in history; 'copy': the
   * same message (same id) to another device of the recipient, or to an own other device
   */
  kind?: 'text' | 'control' | 'copy'
  envelope: Uint8Array
  /** the peer's session record after encrypting this message, written in the same transaction */
  session?: Uint8Array
}

/** A queued outgoing message as the outbox reads it: with its store order. */
export interface QueuedMessage extends OutgoingMessage {
  seq: number
  /** custody receipts so far (status 'stored') */
  mailboxes?: Custody[]
}

export interface IncomingMessage {
  id: string
  peer: string
  text: string
  createdAt: number
  expiresAt: number
  receivedAt: number
  disappearing?: boolean
  /**
   * 'control' (a capability or a read receipt): hidden from history and never unread. Default:
   * 'control' when `capability` is set, else 'text'.
   */
  kind?: 'text' | 'control'
  /** a control message: the sender's signed Capability to deposit mail for it, kept in the same transaction */
  capability?: Uint8Array
  /** the peer's session record after decrypting this message, written in the same transaction */
  session?: Uint8Array
  /**
   * a message request: from a peer who is not a contact. Kept apart from the history (never
   * listed, never unread) until the user accepts the request, and dropped if it is declined.
   */
  request?: boolean
  /** the sender's identity key, kept with a request (to show it, and to add the contact on acceptance) */
  identity?: Uint8Array
  /** see MessageRecord.unverified */
  unverified?: boolean
}

/** Messages waiting from one peer who is not a contact (Signal's message request). */
export interface MessageRequest {
  /** the request's id: the id of its first message */
  id: string
  peer: string
  /** the sender's identity key, as its session proved it */
  identity?: Uint8Array
  /** the latest message's text */
  text: string
  messages: number
  /** UTF-8 bytes of text waiting */
  bytes: number
  firstAt: number
  /** when the latest message arrived */
  receivedAt: number
}

/** What message requests hold: from one peer, or from every peer together. */
export interface RequestUsage { peers: number, messages: number, bytes: number }

/** A receipt for an outgoing message. */
export interface Delivered {
  id: string
  /** the device that holds it: a message to several devices of a person has one row per device */
  peer?: string
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
   * Store received messages in one transaction (requests apart from the history). Ids are unique
   * per sender: an id seen before from the same peer is a duplicate — nothing is written and its
   * original storedAt is returned — while the same id from another peer is another message (a
   * hop that saw an id cannot squat it).
   */
  storeIncoming(batch: IncomingMessage[]): Promise<Array<StoreResult | Error>>
  /** message requests, one per peer, oldest first */
  requests(): Promise<MessageRequest[]>
  /** what requests hold from `peer`, or from everyone */
  requestUsage(peer?: string): Promise<RequestUsage>
  /** the user accepted `peer`'s request: its messages join the history (new revs, received order); returns how many */
  acceptRequests(peer: string): Promise<number>
  /** the user declined `peer`'s request: its messages and its session are deleted; returns how many messages */
  dropRequests(peer: string): Promise<number>
  /** record receipts of outgoing messages in one transaction; their queued envelopes are dropped */
  markDelivered(receipts: Delivered[]): Promise<void>
  /**
   * The user has seen received messages from `peer`: their status becomes 'read' (only 'delivered'
   * ones change). Without `ids`, every unread message from the peer. Returns the ids that changed,
   * in store order, so read receipts go out for exactly those.
   */
  markRead(peer: string, ids?: string[]): Promise<string[]>
  /**
   * `peer` read these outgoing messages (its read receipt): status 'read', deliveredAt set if it
   * was not (a message read was delivered), envelope and custody dropped. Only messages to that
   * peer that are queued, stored or delivered change; expired/failed/read ones do not.
   */
  markReadByPeer(peer: string, ids: string[], at: number): Promise<void>
  /** received text messages not yet read ('delivered'), counted per peer; peers with none are absent */
  unread(): Promise<Record<string, number>>
  /** set a final status on an outgoing message (expired, failed); with `peer`, only that device's row */
  markStatus(id: string, status: MessageStatus, error?: string, peer?: string): Promise<void>
  /** record mailbox custody of queued or stored messages in one transaction; they become 'stored' */
  markStored(items: Array<{ id: string, custody: Custody[], peer?: string }>): Promise<void>
  /**
   * Expiry (invariant 4): delete every disappearing message whose expiresAt passed (row, text and
   * envelope), and mark undelivered outgoing ones past it 'expired', dropping their envelopes and
   * custody. Returns how many rows changed.
   */
  sweepExpired(now: number): Promise<number>
  /** the earliest expiresAt of a disappearing or undelivered message, if any */
  nextExpiry(): Promise<number | undefined>
  /** the capability `owner` (a peer id) gave this node to deposit mail for it */
  capability(owner: string): Promise<Uint8Array | undefined>
  /** outgoing messages not yet delivered (queued or stored), in store order; with `status` only those */
  queued(peer?: string, options?: { afterSeq?: number, limit?: number, status?: 'queued' | 'stored' }): Promise<QueuedMessage[]>
  /** messages in store order, optionally for one peer and only those changed after a rev */
  list(options?: ListOptions): Promise<MessageRecord[]>
  /** a message by id (and, for received ones, sender: ids are unique per sender) */
  get(id: string, direction: 'in' | 'out', peer?: string): Promise<MessageRecord | undefined>
  /** number of queued outgoing messages */
  countQueued(): Promise<number>
  /** when a received message (or request) with this id from this peer was stored, if it was */
  storedAt(id: string, peer: string): Promise<number | undefined>
  /** the Double Ratchet session record kept for a peer (written only with a message) */
  session(peer: string): Promise<Uint8Array | undefined>
  /**
   * The copies (kind 'copy') of these outgoing messages to other devices, with their status.
   * Optional: a store without it shows each message's first device alone.
   */
  copies?(ids: string[]): Promise<Array<{ id: string, peer: string, status: MessageStatus }>>
}

export interface ListOptions {
  peer?: string
  /** several peers: a contact and its other devices */
  peers?: string[]
  changedAfter?: number
  limit?: number
  /** the newest `last` only (still oldest first): `ferry messages NAME --last 50` */
  last?: number
}

export interface FerryStores {
  contacts: ContactStore
  messages: MessageStore
  /** this device's prekeys (PQXDH) */
  prekeys: PrekeyStore
  /** mailboxes: hosting others' mail and where this node's mail waits; without it, no mailboxes */
  mailbox?: MailboxStore
  /** team rooms at rest (protocol/groups/rooms.ts keeps them here; no service builds a Rooms yet) */
  rooms?: RoomStore
  /** files sent and received, and their sealed chunks (protocol/files/); without it, no files */
  files?: FileStore
}

/** An owner this node keeps mail for (`ferry mailbox host NAME`), with its limits. */
export interface HostedOwner {
  /** the owner's device peer id */
  peer: string
  /** the owner's identity key: capabilities must be signed by it */
  identity: Uint8Array
  /** the contact name the agreement was made under */
  name: string
  quotaBytes: number
  quotaMessages: number
  /** longest time an envelope may still have to live when deposited here (<= MAX_TTL_MS) */
  maxTtlMs: number
  addedAt: number
}

/** A sealed envelope waiting at this host for its owner. */
export interface MailboxItem {
  owner: string
  /** message id, lower-case hex */
  id: string
  /** the depositing device's peer id */
  depositor: string
  envelope: Uint8Array
  hash: Uint8Array
  expiresAt: number
  storedAt: number
}

/** Limits a deposit is checked against, inside the transaction that stores it. */
export interface DepositLimits {
  depositorBytes: number
  depositorMessages: number
  ownerBytes: number
  ownerMessages: number
  /** every owner's mail together at this host */
  totalBytes: number
}

export interface MailboxUsage { bytes: number, messages: number }

/** Mail the owner acknowledged: its id (lower-case hex) and who deposited it. */
export interface AckedItem { id: string, depositor: string }

/** A sender whose capabilities the owner revoked, and the hosts told so far. */
export interface RevokedSender { sender: Uint8Array, before: number, told: string[] }

/**
 * What a mailbox host keeps for the owners it agreed to serve: the agreements, their mail, the
 * owners' delivery receipts for depositors, revocations owners told it of, and one-time prekeys.
 * The mailbox service (protocol/mailbox/service.ts) and the hosting role use it.
 */
export interface HostedMailStore {
  /** agree to keep mail for an owner, or change its limits */
  host(owner: HostedOwner): Promise<void>
  /**
   * End an agreement: the owner's waiting mail and one-time prekeys are deleted. Its revocations
   * are kept, so hosting the owner again revives no capability it revoked.
   */
  unhost(peer: string): Promise<void>
  hosted(peer?: string): Promise<HostedOwner[]>
  /**
   * Store deposits in one transaction, each checked against its limits first. Mail is kept per
   * (owner, depositor, id): the same id from the same depositor is a duplicate — nothing is written
   * and the original storedAt comes back (deposits are idempotent) — while the same id from another
   * depositor is other mail (a host that saw an id cannot squat it at a sibling). Over a limit: a
   * QuotaExceededError in that slot.
   */
  deposit(batch: Array<{ item: MailboxItem, limits: DepositLimits }>): Promise<Array<{ storedAt: number, duplicate: boolean } | Error>>
  /**
   * The owner's live mail (expiresAt > now) after a cursor, in deposit order. Cursors only grow: one
   * is never handed out twice, not even after the mail it named was acked, swept or unhosted.
   */
  fetch(owner: string, after: number, limit: number, now: number): Promise<Array<MailboxItem & { cursor: number }>>
  /**
   * Delete the owner's mail named by (id, depositor) and keep the owner's delivery receipts (by
   * id) for their depositors. Returns the ids that were deleted.
   */
  ack(owner: string, items: AckedItem[], receipts: Map<string, Uint8Array>): Promise<string[]>
  /** delivery receipts waiting for a depositor; `done` ones are deleted first */
  receiptsFor(depositor: string, done: string[]): Promise<Uint8Array[]>
  usage(owner: string, depositor?: string): Promise<MailboxUsage>
  totalBytes(): Promise<number>
  /** delete expired mail and receipts (overwritten: secure_delete) and checkpoint; returns how many */
  sweep(now: number): Promise<number>
  nextExpiry(): Promise<number | undefined>
  revoke(owner: string, sender: Uint8Array, before: number): Promise<void>
  /** capabilities for `sender` issued before this time are revoked (0: none) */
  revokedBefore(owner: string, sender: Uint8Array): Promise<number>
  /** one-time prekeys an owner left here */
  addPrekeys(owner: string, prekeys: Uint8Array[]): Promise<void>
  /** hand out one of the owner's one-time prekeys, deleting it in the same transaction */
  claimPrekey(owner: string): Promise<Uint8Array | undefined>
  countPrekeys(owner: string): Promise<number>
}

/**
 * An owner's own mailbox settings: which hosts its mail waits at, whom it revoked (and which hosts
 * confirmed it), and when each contact was last given a capability. The owner role uses it.
 */
export interface MailboxSettingsStore {
  /** hosts this node's own mail may wait at (`ferry mailbox use`), replacing the list; a repeated host keeps its first position */
  useHosts(peers: string[]): Promise<void>
  usedHosts(): Promise<string[]>
  /**
   * Owner side: `sender`'s capabilities are void at every host of the set, now and at any host
   * added later, until `allowSender`. A repeated revocation only widens `before`.
   */
  revokeSender(sender: Uint8Array, before: number): Promise<void>
  /** lift a revocation (`ferry mailbox allow`) */
  allowSender(sender: Uint8Array): Promise<void>
  /** the owner's revoked senders, each with the hosts that confirmed they hold the revocation */
  revokedSenders(): Promise<RevokedSender[]>
  /** `host` confirmed it holds the revocation of `sender` */
  markTold(host: string, sender: Uint8Array): Promise<void>
  /** when this node last gave `peer` a capability, and for which hosts (joined by spaces) */
  issued(peer: string): Promise<{ hosts: string, at: number } | undefined>
  markIssued(peer: string, hosts: string, at: number): Promise<void>
}

/** Both halves, as one store per platform implements them (SQLite, IndexedDB, memory). */
export interface MailboxStore extends HostedMailStore, MailboxSettingsStore {}
