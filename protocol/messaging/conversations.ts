/**
 * Conversations: sending (sealed in order per peer, committed in small batches, delivered by the
 * outbox directly or through the recipient's mailboxes), read state and receipts, history, and the
 * bundle a first message starts a session with.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { DEFAULT_TTL_MS, MAX_TTL_MS, MESSAGE_ID_BYTES, MIN_TTL_MS } from '../constants.js'
import { decodeBundle, encodeBundle, verifyBundle } from '../crypto/bundle.js'
import { checkText, Envelope, toHex } from './envelope.js'
import { InvalidInputError, UnknownContactError } from '../errors.js'
import { GroupCommit } from '../util/group-commit.js'
import { DEFAULT_GRACE_MS } from '../mailbox/index.js'
import { Outbox } from './outbox.js'
import { readReceiptPages } from './read-receipts.js'
import { openPayload, sealEnvelope } from './seal.js'
import { NoSessionError } from './sessions.js'
import type { ContactBook } from '../contacts/contact-book.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { FerryServices, MessageView } from '../ferry-types.js'
import type { Identity } from '../crypto/identity.js'
import type { Mailboxes } from '../mailbox/index.js'
import type { Presence } from '../reach/presence.js'
import type { Sessions } from './sessions.js'
import type { Contact, ContactStore, MessageRecord, MessageStore, OutgoingMessage } from '../stores/stores.js'
import type { Sweeper } from '../util/timers.js'
import type { Libp2p, Logger } from '@libp2p/interface'

/** How long a first message waits for a one-time prekey from the recipient's mailboxes. */
const CLAIM_WAIT_MS = 3_000

export interface ConversationsComponents {
  libp2p: Libp2p<FerryServices>
  identity: Identity
  messages: MessageStore
  contacts: ContactStore
  contactBook: ContactBook
  sessions: Sessions
  presence: Presence
  expiry: Sweeper
  mailboxes?: Mailboxes
  crypto: CryptoBackend
  now(): number
  randomBytes(n: number): Uint8Array
  /** send read receipts (default true) */
  readReceipts: boolean
  graceMs?: number
  log: Logger
}

/** What queue() seals: a text, or a control message (a capability, a read receipt). */
export interface Queued { text: string, ttlMs: number, capability?: Uint8Array, read?: string[], restart?: boolean, disappearing?: boolean }

export class Conversations {
  readonly outbox: Outbox
  /** new messages are committed in small batches: a burst of sends is one transaction */
  private readonly outgoing: GroupCommit<OutgoingMessage, MessageRecord>

  constructor (private readonly c: ConversationsComponents) {
    this.outgoing = new GroupCommit(async batch => c.messages.addOutgoing(batch))
    const mailboxes = c.mailboxes
    this.outbox = new Outbox({
      deposit: mailboxes == null ? undefined : async (peer, messages) => mailboxes.deposit(peer, messages),
      graceMs: c.graceMs ?? DEFAULT_GRACE_MS,
      messages: c.messages,
      now: c.now,
      log: c.libp2p.logger.forComponent('ferry:outbox'),
      connect: async (peer, options) => {
        const contact = await c.contacts.getByPeer(peer)
        if (contact != null) await c.contactBook.sendable(contact.name) // paused while an identity change waits
        return c.presence.connect(peer, contact?.addresses ?? [], options)
      },
      deliver: async (connection, envelope, options) => {
        const receipt = await c.libp2p.services.dm.send(connection, envelope, options)
        const peer = connection.remotePeer.toString()
        if (c.sessions.attachesInitial(peer)) void c.sessions.confirmed(peer, openPayload(Envelope.decode(envelope)).initial)
        return receipt
      }
    })
  }

  /**
   * Queue a message to a contact and start delivering it. `ttlMs` (or the contact's timer) makes
   * it a disappearing message: deleted everywhere when it expires. Without either it may wait for
   * delivery DEFAULT_TTL_MS and stays in history once delivered.
   *
   * @throws UnknownContactError | InvalidInputError | MessageTooLargeError
   */
  async send (name: string, text: string, options: { ttlMs?: number } = {}): Promise<MessageView> {
    checkText(text)
    const contact = await this.c.contactBook.sendable(name)
    const timer = options.ttlMs ?? contact.expiresMs
    const record = await this.queue(contact, { text, ttlMs: timer ?? DEFAULT_TTL_MS, disappearing: timer != null })
    if (timer != null) this.c.expiry.arm(record.expiresAt)
    return { ...record, contact: contact.name }
  }

  /**
   * The user has seen every message from contact `name`: they become 'read', and unless read
   * receipts are off one receipt (an encrypted control message, delivered like any message) per
   * page of ids tells the contact which. Nothing unread: nothing is sent.
   *
   * @returns the ids that became read, in store order
   * @throws UnknownContactError | the store's error when the receipt cannot be queued (the messages stay read)
   */
  async markRead (name: string): Promise<string[]> {
    const contact = await this.c.contacts.get(name)
    if (contact == null) throw new UnknownContactError(`no contact named "${name}"`)
    const ids = await this.c.messages.markRead(contact.peerId)
    if (!this.c.readReceipts) return ids
    const ttlMs = contact.expiresMs ?? DEFAULT_TTL_MS
    for (const read of readReceiptPages(ids)) await this.queue(contact, { text: '', read, ttlMs, disappearing: contact.expiresMs != null })
    return ids
  }

  /** Unread messages per contact name (a peer id when it is no contact); contacts with none are absent. */
  async unread (): Promise<Record<string, number>> {
    const names = await this.names()
    return Object.fromEntries(Object.entries(await this.c.messages.unread()).map(([peer, n]) => [names.get(peer) ?? peer, n]))
  }

  /** Set a contact's disappearing-message timer (undefined: off). */
  async setExpiry (name: string, expiresMs: number | undefined): Promise<Contact> {
    if (expiresMs != null) checkTtl(expiresMs)
    return this.c.contactBook.setExpiry(name, expiresMs)
  }

  /** History in store order, with contact names; `changedAfter` returns only what changed since a rev. */
  async history (options: { contact?: string, changedAfter?: number, limit?: number } = {}): Promise<MessageView[]> {
    let peer: string | undefined
    if (options.contact != null) {
      const c = await this.c.contacts.get(options.contact)
      if (c == null) throw new UnknownContactError(`no contact named "${options.contact}"`)
      peer = c.peerId
    }
    const names = await this.names()
    const rows = await this.c.messages.list({ peer, changedAfter: options.changedAfter, limit: options.limit })
    return rows.map(r => ({ ...r, contact: names.get(r.peer) ?? r.peer }))
  }

  /** Peer id → contact name. */
  async names (): Promise<Map<string, string>> {
    return new Map((await this.c.contacts.list()).map(c => [c.peerId, c.name]))
  }

  /** Hand a capability to a contact (a control message that lives as long as any may). */
  async sendCapability (contact: Contact, capability: Uint8Array): Promise<void> {
    await this.queue(contact, { text: '', capability, ttlMs: MAX_TTL_MS })
  }

  /**
   * Start a new session with a contact (PQXDH) and tell it so: a restart control message. The
   * contact's later messages use that session. It goes through the outbox (and mailboxes), so it
   * also reaches a contact that is offline now. The bundle is a fresh one from the contact's
   * device when it is connected (a stored one may be older than the contact's retired prekeys:
   * a restore from an old backup); otherwise the first-message bundle when no session is held,
   * and the session held when one is.
   */
  async restartSession (contact: Contact): Promise<void> {
    await this.queue(contact, { text: '', restart: true, ttlMs: MAX_TTL_MS })
  }

  /** Seal a message (text, or a control message: a capability, a read receipt, a restart) and queue it. */
  private async queue (contact: Contact, m: Queued): Promise<MessageRecord> {
    checkTtl(m.ttlMs)
    const { sessions, identity } = this.c
    const created = this.c.now()
    const id = this.c.randomBytes(MESSAGE_ID_BYTES)
    const fields = { id, recipient: contact.identity ?? new Uint8Array(0), recipientDevice: peerIdFromString(contact.peerId).toMultihash().bytes, created, expiresAt: created + m.ttlMs }
    const content = { sender: identity.identityKey.publicKey.raw, senderDevice: this.c.libp2p.peerId.toMultihash().bytes, deviceSignature: identity.deviceSignature, text: m.text, sentAt: created, capability: m.capability, read: m.read, restart: m.restart === true ? true : undefined, disappearing: m.disappearing === true ? true : undefined }
    // encrypt and queue in order per peer; the session state is written with the message
    const written = await sessions.serialize(contact.peerId, async () => {
      const restart = m.restart === true
      const held = await sessions.has(contact.peerId, contact.identity)
      const bundle = restart ? await this.restartBundle(contact, held) : held ? undefined : await this.firstBundle(contact)
      const { envelope, record } = await sealEnvelope(sessions, contact.peerId, fields, content, bundle, contact.identity, restart)
      return { done: this.outgoing.add({ id: toHex(id), peer: contact.peerId, text: m.text, status: 'queued', createdAt: created, expiresAt: created + m.ttlMs, envelope, session: record, kind: m.capability == null && m.read == null && m.restart !== true ? 'text' : 'control', disappearing: m.disappearing }) }
    })
    let record: MessageRecord
    try {
      record = await written.done
    } catch (err) {
      sessions.forget(contact.peerId)
      throw err
    }
    void this.outbox.flush(contact.peerId)
    return record
  }

  /**
   * The bundle to start a session with: the invite's (no one-time prekey, as an invite may reach
   * several people) with a one-time prekey claimed from one of the contact's mailboxes when one
   * answers; else a fresh one straight from the contact's device.
   */
  private async firstBundle (contact: Contact): Promise<Uint8Array> {
    if (contact.bundle == null) return this.fetchBundle(contact)
    // bounded: a send must not hang on an unreachable mailbox
    const claim = this.c.mailboxes?.claimPrekey(contact).catch(() => undefined)
    let timer: ReturnType<typeof setTimeout> | undefined
    const claimed = await Promise.race([claim, new Promise<undefined>(resolve => { timer = setTimeout(() => resolve(undefined), CLAIM_WAIT_MS) })])
    clearTimeout(timer)
    if (claimed == null) return contact.bundle
    return encodeBundle({ ...decodeBundle(contact.bundle), oneTimePrekey: claimed })
  }

  /** A restart's bundle (see restartSession); undefined: restart on the session `held`. */
  private async restartBundle (contact: Contact, held: boolean): Promise<Uint8Array | undefined> {
    if (this.c.presence.connected(contact.peerId)) {
      try {
        return await this.fetchBundle(contact)
      } catch {} // as if it were not connected
    }
    return held ? undefined : await this.firstBundle(contact)
  }

  /**
   * Ask a contact's device for its prekey bundle over `/ferry/bundle` (contacts added by multiaddr).
   *
   * @throws NoSessionError when the contact cannot be reached | IdentityChangedError
   */
  private async fetchBundle (contact: Contact): Promise<Uint8Array> {
    let bytes: Uint8Array
    try {
      const connection = await this.c.presence.connect(contact.peerId, contact.addresses)
      bytes = await this.c.libp2p.services.bundles.fetch(connection)
    } catch (err: any) {
      throw new NoSessionError(`cannot start an encrypted session with ${contact.name}: no prekey bundle (add them by invite, or be online together once): ${err.message}`)
    }
    const bundle = decodeBundle(bytes)
    await verifyBundle(this.c.crypto, bundle)
    await this.c.contactBook.identitySeen(contact.peerId, bundle.identity)
    await this.c.contactBook.sendable(contact.name) // throws if that identity differs from the known one
    return bytes
  }
}

/** @throws InvalidInputError unless MIN_TTL_MS <= ttl <= MAX_TTL_MS */
export function checkTtl (ttl: number): void {
  if (!Number.isFinite(ttl) || ttl < MIN_TTL_MS || ttl > MAX_TTL_MS) throw new InvalidInputError(`expiry must be between ${MIN_TTL_MS / 1000} s and ${MAX_TTL_MS / 86_400_000} days`)
}
