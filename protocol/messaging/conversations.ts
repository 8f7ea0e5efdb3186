/**
 * Conversations: sending (sealed in order per peer, committed in small batches, delivered by the
 * outbox directly or through the recipient's mailboxes), read state and receipts, history, and the
 * bundle a first message starts a session with.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { DEFAULT_TTL_MS, MAX_TTL_MS, MESSAGE_ID_BYTES } from '../constants.js'
import { decodeBundle, encodeBundle, verifyBundle } from '../crypto/bundle.js'
import { checkText, checkTtl, Envelope, toHex } from './envelope.js'
import { equalBytes, fromHex } from '../util/bytes.js'
import { encodeJson } from '../devices/link-payload.js'
import { UnknownContactError } from '../errors.js'
import { GroupCommit } from '../util/group-commit.js'
import { DEFAULT_GRACE_MS } from '../mailbox/index.js'
import { Outbox } from './outbox.js'
import { deviceContact, ownContact } from './addressing.js'
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
import type { Contact, ContactStore, MessageRecord, MessageStatus, MessageStore, OutgoingMessage, QueuedMessage } from '../stores/stores.js'
import type { DeviceEntry } from '../devices/device-list.js'
import type { CallSignal, Content, FileRef, ReadSync, SentCopy } from '../pb/ferry.js'
import type { Sweeper } from '../util/timers.js'
import type { Libp2p, Logger } from '@libp2p/interface'

/** Which status of a message's devices it shows: the furthest along. */
const RANK: Record<MessageStatus, number> = { failed: 0, expired: 1, queued: 2, sent: 3, stored: 4, delivered: 5, read: 6 }

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
  /** this person's other devices (protocol/devices/): every sent message is copied to them */
  ownDevices?(): Promise<DeviceEntry[]>
  /** messages for `peer` are about to be left at its mailboxes (files leave their chunks first) */
  beforeDeposit?(peer: string, messages: QueuedMessage[]): Promise<void>
}

/** What queue() seals: a text, or a control message (a capability, a read receipt). */
export interface Queued {
  text: string
  ttlMs: number
  capability?: Uint8Array
  read?: string[]
  restart?: boolean
  disappearing?: boolean
  /** a signed device list (control) */
  devices?: Uint8Array
  /** a copy of a message already queued: its id and time, to another device (kind 'copy') */
  copyOf?: { id: Uint8Array, created: number }
  /** to an own other device: what was sent to whom */
  sent?: SentCopy
  /** to an own other device: what was read here */
  readSync?: ReadSync
  /** to an own other device: a contact added or verified here (encoded JSON) */
  contactSync?: Uint8Array
  /** the recipient is an own device: no contact checks */
  own?: boolean
  /** a file this message announces (protocol/files/); text is its caption */
  file?: FileRef
  /** the message id, when the caller chose it (a file's row is written before its message) */
  id?: Uint8Array
  /** a call signal (protocol/calls/): control when text is empty, else also the call's record */
  call?: CallSignal
}

export class Conversations {
  readonly outbox: Outbox
  /** new messages are committed in small batches: a burst of sends is one transaction */
  private readonly outgoing: GroupCommit<OutgoingMessage, MessageRecord>

  constructor (private readonly c: ConversationsComponents) {
    this.outgoing = new GroupCommit(async batch => c.messages.addOutgoing(batch))
    const mailboxes = c.mailboxes
    this.outbox = new Outbox({
      deposit: mailboxes == null ? undefined : async (peer, messages) => await this.deposit(mailboxes, peer, messages),
      graceMs: c.graceMs ?? DEFAULT_GRACE_MS,
      messages: c.messages,
      now: c.now,
      log: c.libp2p.logger.forComponent('ferry:outbox'),
      connect: async (peer, options) => {
        const contact = await c.contacts.getByPeer(peer)
        if (contact != null) await c.contactBook.sendable(contact.name) // paused while an identity change waits
        const addrs = contact == null ? (await c.ownDevices?.() ?? []).find(d => d.peer === peer)?.addrs : contact.peerId === peer ? contact.addresses : contact.devices?.find(d => d.peer === peer)?.addrs
        return c.presence.connect(peer, addrs ?? [], options)
      },
      deliver: async (connection, envelope, options) => {
        const receipt = await c.libp2p.services.dm.send(connection, envelope, options)
        const peer = connection.remotePeer.toString()
        if (c.sessions.attachesInitial(peer)) void c.sessions.confirmed(peer, openPayload(Envelope.decode(envelope)).initial)
        return receipt
      }
    })
  }

  /** Leave messages at `peer`'s mailboxes (the files they announce leave their chunks first). */
  private async deposit (mailboxes: Mailboxes, peer: string, messages: QueuedMessage[]): Promise<number> {
    await this.c.beforeDeposit?.(peer, messages).catch((err: any) => { this.c.log('file chunks not left for %s: %s', peer, err.message) })
    return await mailboxes.deposit(peer, messages)
  }

  /**
   * Queue a message to a contact and start delivering it. `ttlMs` (or the contact's timer) makes
   * it a disappearing message: deleted everywhere when it expires. Without either it may wait for
   * delivery DEFAULT_TTL_MS and stays in history once delivered.
   *
   * @throws UnknownContactError | InvalidInputError | MessageTooLargeError
   */
  async send (name: string, text: string, options: { ttlMs?: number, file?: FileRef, id?: Uint8Array, call?: CallSignal } = {}): Promise<MessageView> {
    if ((options.file == null && options.call == null) || text !== '') checkText(text)
    const contact = await this.c.contactBook.sendable(name)
    const timer = options.ttlMs ?? contact.expiresMs
    const m: Queued = { text, ttlMs: timer ?? DEFAULT_TTL_MS, disappearing: timer != null, file: options.file, id: options.id, call: options.call }
    const record = await this.queue(contact, m)
    if (timer != null) this.c.expiry.arm(record.expiresAt)
    // a bare call signal is no one's history: not copied to own devices
    this.copies(contact, record, m, text !== '' || options.call == null).catch((err: any) => { this.c.log('copies to other devices not queued: %s', err.message) })
    return { ...record, contact: contact.name }
  }

  /**
   * The same message (same id) to the contact's other devices and, with `mine`, to this person's
   * own other devices as a sent copy (docs/DEVICES.md). Each device on its own: one that cannot
   * be reached or has no session yet does not hold the others up.
   */
  private async copies (contact: Contact, record: MessageRecord, m: Queued, mine: boolean): Promise<void> {
    const copyOf = { id: fromHex(record.id), created: record.createdAt }
    const me = this.c.identity.identityKey.publicKey.raw
    const sends = (contact.devices ?? []).map(async d => this.queue(deviceContact(contact, d), { ...m, copyOf }))
    if (mine) {
      const sent: SentCopy = { recipient: contact.identity ?? new Uint8Array(0), peer: contact.peerId, id: record.id, expiresAt: record.expiresAt }
      for (const d of await this.c.ownDevices?.() ?? []) sends.push(this.queue(ownContact(d, me), { ...m, copyOf, sent, own: true }))
    }
    for (const r of await Promise.allSettled(sends)) if (r.status === 'rejected') this.c.log('a copy to another device was not queued: %s', r.reason?.message)
  }

  /** Send this identity's signed device list to a contact (and its devices) or to an own device. */
  async sendDevices (to: { contact?: Contact, device?: DeviceEntry }, devices: Uint8Array): Promise<void> {
    const m: Queued = { text: '', devices, ttlMs: MAX_TTL_MS }
    if (to.device != null) {
      await this.queue(ownContact(to.device, this.c.identity.identityKey.publicKey.raw), { ...m, own: true })
    } else if (to.contact != null) {
      await this.copies(to.contact, await this.queue(to.contact, m), m, false)
    }
  }

  /** Tell every own other device of a contact added or verified here. */
  async syncContact (contact: Contact): Promise<void> {
    const me = this.c.identity.identityKey.publicKey.raw
    const { name, peerId, identity, addresses, verified, bundle, expiresMs, mailboxes, devices, revokedDevices, devicesSeq } = contact
    const contactSync = encodeJson({ name, peerId, identity, addresses, verified, bundle, expiresMs, mailboxes, devices, revokedDevices, devicesSeq })
    for (const d of await this.c.ownDevices?.() ?? []) await this.queue(ownContact(d, me), { text: '', ttlMs: MAX_TTL_MS, own: true, contactSync })
  }

  /** An own other device read these messages: they are read here too (no read receipt: it sent them). */
  async applyReadSync (content: Content): Promise<void> {
    const sync = content.readSync
    if (sync == null) return
    const contact = await this.contactOf(sync.contact, sync.peer)
    const ids = sync.ids.slice(0, 1000)
    for (const peer of contact == null ? [sync.peer] : [contact.peerId, ...(contact.devices ?? []).map(d => d.peer)]) await this.c.messages.markRead(peer, ids)
  }

  /** The contact an own device means: by identity, else by its first device's peer id. */
  private async contactOf (identity: Uint8Array, peer: string): Promise<Contact | undefined> {
    const contacts = await this.c.contacts.list()
    return contacts.find(c => c.identity != null && identity.byteLength > 0 && equalBytes(c.identity, identity)) ?? contacts.find(c => c.peerId === peer)
  }

  /**
   * An own other device sent this message: keep it in the conversation as 'sent' (once: a copy
   * seen again changes nothing).
   */
  async recordSent (content: Content): Promise<void> {
    const sent = content.sent
    if (sent == null) return
    const contact = await this.contactOf(sent.recipient, sent.peer)
    const [r] = await this.c.messages.addOutgoing([{ id: sent.id, peer: contact?.peerId ?? sent.peer, text: content.text, status: 'sent', createdAt: content.sentAt, expiresAt: sent.expiresAt, envelope: new Uint8Array(0), kind: 'text', disappearing: content.disappearing === true ? true : undefined }])
    if (r instanceof Error && !/exists already/.test(r.message)) throw r
    if (content.disappearing === true) this.c.expiry.arm(sent.expiresAt)
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
    const all: string[] = []
    // each device of the contact is told which of its own messages were read
    for (const to of [contact, ...(contact.devices ?? []).map(d => deviceContact(contact, d))]) {
      const ids = await this.c.messages.markRead(to.peerId)
      all.push(...ids)
      if (!this.c.readReceipts) continue
      const ttlMs = contact.expiresMs ?? DEFAULT_TTL_MS
      for (const read of readReceiptPages(ids)) await this.queue(to, { text: '', read, ttlMs, disappearing: contact.expiresMs != null })
    }
    // the person's other devices mark the same messages read (the ids are the same on every device)
    const me = this.c.identity.identityKey.publicKey.raw
    for (const d of all.length === 0 ? [] : await this.c.ownDevices?.() ?? []) {
      for (const ids of readReceiptPages(all)) {
        await this.queue(ownContact(d, me), { text: '', ttlMs: DEFAULT_TTL_MS, own: true, readSync: { contact: contact.identity ?? new Uint8Array(0), peer: contact.peerId, ids } }).catch((err: any) => { this.c.log('read state not sent to an own device: %s', err.message) })
      }
    }
    return all
  }

  /** Unread messages per contact name (a peer id when it is no contact); contacts with none are absent. */
  async unread (): Promise<Record<string, number>> {
    const names = await this.names()
    const counts: Record<string, number> = {}
    for (const [peer, n] of Object.entries(await this.c.messages.unread())) {
      const name = names.get(peer) ?? peer
      counts[name] = (counts[name] ?? 0) + n
    }
    return counts
  }

  /** Set a contact's disappearing-message timer (undefined: off). */
  async setExpiry (name: string, expiresMs: number | undefined): Promise<Contact> {
    if (expiresMs != null) checkTtl(expiresMs)
    return this.c.contactBook.setExpiry(name, expiresMs)
  }

  /** History in store order, with contact names; `changedAfter` returns only what changed since a rev. */
  async history (options: { contact?: string, changedAfter?: number, limit?: number, last?: number } = {}): Promise<MessageView[]> {
    let peers: string[] | undefined
    if (options.contact != null) {
      const c = await this.c.contacts.get(options.contact)
      if (c == null) throw new UnknownContactError(`no contact named "${options.contact}"`)
      // the conversation is the person's: every device, revoked ones too (what they sent stays)
      peers = [c.peerId, ...(c.devices ?? []).map(d => d.peer), ...c.revokedDevices ?? []]
    }
    const names = await this.names()
    const rows = await this.c.messages.list({ peer: peers?.length === 1 ? peers[0] : undefined, peers: peers != null && peers.length > 1 ? peers : undefined, changedAfter: options.changedAfter, limit: options.limit, last: options.last })
    return await this.withCopies(rows.map(r => ({ ...r, contact: names.get(r.peer) ?? r.peer })))
  }

  /**
   * A message sent to several devices of a person shows each device's status, and the best of
   * them as its own: it is delivered once any device holds it (docs/DEVICES.md).
   */
  private async withCopies (views: MessageView[]): Promise<MessageView[]> {
    const out = views.filter(v => v.direction === 'out' && v.status !== 'sent')
    const copies = out.length === 0 ? [] : await this.c.messages.copies?.(out.map(v => v.id)) ?? []
    if (copies.length === 0) return views
    const byId = new Map<string, Array<{ device: string, status: MessageStatus }>>()
    for (const c of copies) byId.set(c.id, [...byId.get(c.id) ?? [], { device: c.peer, status: c.status }])
    return views.map(v => {
      const more = v.direction === 'out' ? byId.get(v.id) : undefined
      if (more == null) return v
      const devices = [{ device: v.peer, status: v.status }, ...more]
      return { ...v, status: devices.map(d => d.status).reduce((a, b) => RANK[b] > RANK[a] ? b : a), devices }
    })
  }

  /** Peer id → contact name. */
  async names (): Promise<Map<string, string>> {
    return new Map((await this.c.contacts.list()).flatMap(c => [...c.revokedDevices ?? [], ...(c.devices ?? []).map(d => d.peer), c.peerId].map(p => [p, c.name] as [string, string])))
  }

  /** Hand a capability to a contact (a control message that lives as long as any may). */
  async sendCapability (contact: Contact, capability: Uint8Array): Promise<void> { await this.queue(contact, { text: '', capability, ttlMs: MAX_TTL_MS }) }

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

  /**
   * restartSession with the exact device `peer`: a contact's first device or another of its
   * devices, or one of this person's own devices.
   *
   * @returns false when `peer` is none of them
   */
  async restartSessionWith (peer: string): Promise<boolean> {
    const contact = await this.c.contacts.getByPeer(peer)
    const own = contact == null ? (await this.c.ownDevices?.() ?? []).find(d => d.peer === peer) : undefined
    const to = contact == null ? (own == null ? undefined : ownContact(own, this.c.identity.identityKey.publicKey.raw)) : contact.peerId === peer ? contact : deviceContact(contact, contact.devices?.find(d => d.peer === peer) ?? { peer, addrs: [] })
    if (to == null) return false
    await this.queue(to, { text: '', restart: true, ttlMs: MAX_TTL_MS, own: own != null })
    return true
  }

  /** Seal a message (text, or a control message: a capability, a read receipt, a restart) and queue it. */
  private async queue (contact: Contact, m: Queued): Promise<MessageRecord> {
    checkTtl(m.ttlMs)
    const { sessions, identity } = this.c
    const created = m.copyOf?.created ?? this.c.now()
    const id = m.copyOf?.id ?? m.id ?? this.c.randomBytes(MESSAGE_ID_BYTES)
    const fields = { id, recipient: contact.identity ?? new Uint8Array(0), recipientDevice: peerIdFromString(contact.peerId).toMultihash().bytes, created, expiresAt: created + m.ttlMs }
    const content = { sender: identity.identityKey.publicKey.raw, senderDevice: this.c.libp2p.peerId.toMultihash().bytes, deviceSignature: identity.deviceSignature, text: m.text, sentAt: created, capability: m.capability, read: m.read, restart: m.restart === true ? true : undefined, disappearing: m.disappearing === true ? true : undefined, devices: m.devices, sent: m.sent, readSync: m.readSync, contactSync: m.contactSync, file: m.file, call: m.call }
    // encrypt and queue in order per peer; the session state is written with the message
    const written = await sessions.serialize(contact.peerId, async () => {
      const restart = m.restart === true
      const held = await sessions.has(contact.peerId, contact.identity)
      const bundle = restart ? await this.restartBundle(contact, held, m.own === true) : held ? undefined : await this.firstBundle(contact, m.own === true)
      const { envelope, record } = await sealEnvelope(sessions, contact.peerId, fields, content, bundle, contact.identity, restart)
      return { done: this.outgoing.add({ id: toHex(id), peer: contact.peerId, text: m.text, status: 'queued', createdAt: created, expiresAt: created + m.ttlMs, envelope, session: record, kind: m.copyOf != null ? 'copy' : m.capability == null && m.read == null && m.restart !== true && m.devices == null && m.readSync == null && m.contactSync == null && (m.call == null || m.text !== '') ? 'text' : 'control', disappearing: m.disappearing }) }
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
  private async firstBundle (contact: Contact, own = false): Promise<Uint8Array> {
    if (contact.bundle == null) return this.fetchBundle(contact, own)
    // bounded: a send must not hang on an unreachable mailbox
    const claim = this.c.mailboxes?.claimPrekey(contact).catch(() => undefined)
    let timer: ReturnType<typeof setTimeout> | undefined
    const claimed = await Promise.race([claim, new Promise<undefined>(resolve => { timer = setTimeout(() => resolve(undefined), CLAIM_WAIT_MS) })])
    clearTimeout(timer)
    if (claimed == null) return contact.bundle
    return encodeBundle({ ...decodeBundle(contact.bundle), oneTimePrekey: claimed })
  }

  /** A restart's bundle (see restartSession); undefined: restart on the session `held`. */
  private async restartBundle (contact: Contact, held: boolean, own = false): Promise<Uint8Array | undefined> {
    if (this.c.presence.connected(contact.peerId)) {
      try {
        return await this.fetchBundle(contact, own)
      } catch {} // as if it were not connected
    }
    return held ? undefined : await this.firstBundle(contact, own)
  }

  /**
   * Ask a contact's device for its prekey bundle over `/ferry/bundle` (contacts added by multiaddr).
   *
   * @throws NoSessionError when the contact cannot be reached | IdentityChangedError
   */
  private async fetchBundle (contact: Contact, own = false): Promise<Uint8Array> {
    let bytes: Uint8Array
    try {
      const connection = await this.c.presence.connect(contact.peerId, contact.addresses)
      bytes = await this.c.libp2p.services.bundles.fetch(connection)
    } catch (err: any) {
      throw new NoSessionError(`cannot start an encrypted session with ${contact.name}: no prekey bundle (add them by invite, or be online together once): ${err.message}`)
    }
    const bundle = decodeBundle(bytes)
    await verifyBundle(this.c.crypto, bundle)
    if (own) {
      if (contact.identity == null || !equalBytes(bundle.identity, contact.identity)) throw new NoSessionError('that device does not hold this identity')
      return bytes
    }
    await this.c.contactBook.identitySeen(contact.peerId, bundle.identity)
    await this.c.contactBook.sendable(contact.name) // throws if that identity differs from the known one
    return bytes
  }
}
