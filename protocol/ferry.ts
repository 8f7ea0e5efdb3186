/**
 * Ferry: one running peer (created by createFerry in create-ferry.ts) — sending, history, contacts,
 * lookup, DHT records, mailboxes and status, on top of the inbox, outbox and reach.
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { ContactBook } from './contact-book.js'
import { DEFAULT_TTL_MS, MAX_TTL_MS, MESSAGE_ID_BYTES, MIN_TTL_MS } from './constants.js'
import { checkText, Envelope, toHex } from './envelope.js'
import { InvalidInputError, UnknownContactError, UnreachableError } from './errors.js'
import { identityFromString, identityToString } from './identity.js'
import { GroupCommit } from './group-commit.js'
import { Inbox } from './inbox.js'
import { createInvite } from './invite.js'
import { Outbox } from './outbox.js'
import { LanSightings } from './lan.js'
import { DIAL_TIMEOUT_MS, Reach, transportOf } from './reach.js'
import { decodeBundle, encodeBundle, verifyBundle } from './crypto/bundle.js'
import { createBundle } from './crypto/prekeys.js'
import { upkeepPrekeys } from './prekey-upkeep.js'
import type { MessageRequests, RequestView } from './requests.js'
import { readReceiptPages } from './read-receipts.js'
import { openPayload, sealEnvelope } from './sealing.js'
import { NoSessionError, Sessions } from './sessions.js'
import { DHT_K, DHT_PROTOCOL, lookupRecord, routingTableSize } from './dht.js'
import { DhtLookupTally, findPeerAddresses } from './dht-stats.js'
import { DEFAULT_GRACE_MS, MAILBOX_POLL_MS, Mailboxes } from './mailbox/index.js'
import { setLongTimeout } from './timers.js'
import type { Collected, MailboxStatus } from './mailbox/index.js'
import type { HostedOwner } from './stores.js'
import type { LongTimer } from './timers.js'
import { parsePeerAddrs, RelayReservations } from './relays.js'
import type { RecordLookup } from './dht.js'
import { DeviceList, MailboxSet, recordKey, RECORD_KINDS, RECORD_REPUBLISH_MS, signRecord, validateRecord } from './records.js'
import type { RecordKind, SignedRecord } from './records.js'
import type { CryptoBackend } from './crypto.js'
import type { Identity } from './identity.js'
import type { Contact, FerryStores, MessageRecord, OutgoingMessage } from './stores.js'
import type { AbortOptions, Libp2p, Logger, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { FerryOptions, FerryServices, FerryStatus, LookupResult, MessageView } from './ferry-types.js'

/** How long a first message waits for a one-time prekey from the recipient's mailboxes. */
const CLAIM_WAIT_MS = 3_000
/** How long stop() waits for background work once libp2p stopped. */
const STOP_WAIT_MS = 10_000

/** How often a running node checks its prekeys (rotation is weekly). */
export const PREKEY_UPKEEP_MS = 6 * 60 * 60 * 1000

export class Ferry {
  readonly libp2p: Libp2p<FerryServices>
  readonly identity: Identity
  private readonly stores: FerryStores
  private readonly outbox: Outbox
  readonly contactBook: ContactBook
  private readonly sessions: Sessions
  private readonly crypto: CryptoBackend
  private upkeep?: ReturnType<typeof setInterval>
  private republish?: ReturnType<typeof setInterval>
  /** new messages are committed in small batches: a burst of sends is one transaction */
  private readonly outgoing: GroupCommit<OutgoingMessage, MessageRecord>
  private readonly reach: Reach
  /** how this node's DHT peer lookups went (Reach's last resort): dht-stats.ts */
  readonly dhtLookups: DhtLookupTally
  private readonly lan: LanSightings
  private readonly relays: RelayReservations
  private readonly bootstrapPeers: Multiaddr[]
  private readonly publishOnStart: boolean
  private readonly now: () => number
  private readonly randomBytes: (n: number) => Uint8Array
  private readonly log: Logger
  private readonly name: string
  /** absent without a mailbox store */
  readonly mailboxes?: Mailboxes
  private poll?: ReturnType<typeof setInterval>
  private expiry?: LongTimer
  private expiryAt = Infinity
  private readonly pollMs: number
  private readonly tasks = new Set<Promise<unknown>>()
  private stopping = false
  private readonly stopSettleMs: number
  private readonly readReceipts: boolean

  private readonly requestBox: MessageRequests

  constructor (libp2p: Libp2p<FerryServices>, opts: FerryOptions, parts: { sessions: Sessions, contactBook: ContactBook, crypto: CryptoBackend, inbox: Inbox, requests: MessageRequests }) {
    this.requestBox = parts.requests
    this.libp2p = libp2p
    this.identity = opts.identity
    this.stores = opts.stores
    this.name = opts.name ?? ''
    this.now = opts.now ?? Date.now
    this.randomBytes = opts.randomBytes ?? ((n) => crypto.getRandomValues(new Uint8Array(n)))
    this.log = libp2p.logger.forComponent('ferry')
    const dht = libp2p.services.dht
    this.lan = new LanSightings(this.now)
    this.relays = new RelayReservations(parsePeerAddrs('relay', opts.relays ?? []), async addr => libp2p.services.listener.transportManager.listen([addr]), () => libp2p.getMultiaddrs(), libp2p.logger.forComponent('ferry:relays'))
    this.bootstrapPeers = parsePeerAddrs('bootstrap peer', opts.bootstrap ?? [])
    this.publishOnStart = opts.publishOnStart !== false
    this.dhtLookups = opts.dhtLookups ?? new DhtLookupTally()
    this.reach = new Reach(libp2p, {
      lan: peer => this.lan.get(peer)?.addrs ?? [],
      findPeer: dht == null ? undefined : async (peer, options) => (await this.dhtLookups.track(findPeerAddresses(dht, peer, options))).addresses
    })
    this.contactBook = parts.contactBook
    this.sessions = parts.sessions
    this.crypto = parts.crypto
    this.outgoing = new GroupCommit(async batch => this.stores.messages.addOutgoing(batch))
    this.pollMs = opts.mailbox?.pollMs ?? MAILBOX_POLL_MS
    this.stopSettleMs = opts.stopSettleMs ?? 0
    this.readReceipts = opts.readReceipts !== false
    const mailboxStore = this.stores.mailbox
    if (mailboxStore != null) {
      this.mailboxes = new Mailboxes({
        libp2p,
        store: mailboxStore,
        messages: this.stores.messages,
        contacts: this.stores.contacts,
        identity: this.identity,
        crypto: this.crypto,
        now: this.now,
        log: libp2p.logger.forComponent('ferry:mailboxes'),
        connect: async (peer, addrs) => this.reach.connect(peer, addrs),
        accept: async (env, bytes, from) => parts.inbox.accept(env, bytes, from, 'mailbox'),
        sendCapability: async (contact, capability) => { await this.queue(contact, { text: '', capability, ttlMs: MAX_TTL_MS }) },
        prekeys: this.stores.prekeys,
        replication: opts.mailbox?.replication
      })
    }
    const mailboxes = this.mailboxes
    this.outbox = new Outbox({
      deposit: mailboxes == null ? undefined : async (peer, messages) => mailboxes.deposit(peer, messages),
      graceMs: opts.mailbox?.graceMs ?? DEFAULT_GRACE_MS,
      messages: this.stores.messages,
      now: this.now,
      log: libp2p.logger.forComponent('ferry:outbox'),
      connect: async (peer, options) => {
        const contact = await this.stores.contacts.getByPeer(peer)
        if (contact != null) await this.contactBook.sendable(contact.name) // paused while an identity change waits
        return this.reach.connect(peer, contact?.addresses ?? [], options)
      },
      deliver: async (connection, envelope, options) => {
        const receipt = await libp2p.services.dm.send(connection, envelope, options)
        const peer = connection.remotePeer.toString()
        if (this.sessions.attachesInitial(peer)) void this.sessions.confirmed(peer, openPayload(Envelope.decode(envelope)).initial)
        return receipt
      }
    })
  }

  get peerId (): string {
    return this.libp2p.peerId.toString()
  }

  /** Start libp2p, dial every contact and flush the outbox. */
  async start (): Promise<void> {
    await this.contactBook.load() // the block list, before any connection is taken
    await upkeepPrekeys(this.crypto, this.identity, this.stores.prekeys, this.now())
    // a daemon runs for weeks: rotate signed prekeys and drop retired ones while it runs
    this.upkeep = setInterval(() => {
      upkeepPrekeys(this.crypto, this.identity, this.stores.prekeys, this.now()).catch((err: any) => { this.log.error('prekey upkeep failed - %e', err) })
    }, PREKEY_UPKEEP_MS)
    this.libp2p.addEventListener('connection:open', (evt) => {
      const peer = evt.detail.remotePeer.toString()
      this.outbox.onConnect(peer)
      if (this.mailboxes != null) this.track(this.mailboxes.onConnect(peer))
    })
    this.libp2p.services.lan?.addEventListener('peer', (evt) => { void this.sighted(evt.detail) })
    await this.libp2p.start()
    this.relays.start()
    const joined = Promise.allSettled([this.dialContacts(), this.joinDht()])
    if (this.publishOnStart) void joined.then(async () => this.publishRecords())
    void this.outbox.flushAll()
    this.republish = setInterval(() => { void this.publishRecords() }, RECORD_REPUBLISH_MS)
    await this.sweepExpired()
    const mailboxes = this.mailboxes
    if (mailboxes != null) {
      this.track(joined.then(async () => {
        await mailboxes.offerCapabilities().catch((err: any) => { this.log('could not offer mailbox capabilities: %s', err.message) })
        await Promise.allSettled([mailboxes.collect(), mailboxes.collectReceipts(), mailboxes.uploadPrekeys()])
      }))
      this.poll = setInterval(() => { this.track(Promise.allSettled([mailboxes.collect(), mailboxes.collectReceipts(), mailboxes.offerCapabilities(), mailboxes.uploadPrekeys(), mailboxes.tellRevocations()])) }, this.pollMs)
    }
  }

  /**
   * Expiry (invariant 4): delete disappearing messages and expire undelivered ones whose time
   * passed, then sleep until the next expiry (long timers: a TTL may exceed 2^31-1 ms).
   */
  async sweepExpired (): Promise<number> {
    const n = await this.stores.messages.sweepExpired(this.now())
    this.expiry?.clear()
    this.expiryAt = Infinity
    const next = await this.stores.messages.nextExpiry()
    if (next != null) this.armExpiry(next)
    return n
  }

  /** A disappearing message arrived or was sent: make sure the sweep runs when it expires. */
  armExpiry (at: number): void {
    if (at >= this.expiryAt || this.upkeep == null) return
    this.expiry?.clear()
    this.expiryAt = at
    this.expiry = setLongTimeout(() => { this.sweepExpired().catch((err: any) => { this.log.error('expiry sweep failed - %e', err) }) }, at - this.now() + 1)
  }

  /** Stop everything and wait for background work (mailbox rounds, delivery passes) to end, so the stores can close. */
  async stop (): Promise<void> {
    this.stopping = true
    clearInterval(this.upkeep)
    this.upkeep = undefined
    clearInterval(this.republish)
    clearInterval(this.poll)
    this.expiry?.clear()
    this.relays.stop()
    this.outbox.stop()
    if (this.stopSettleMs > 0 && this.libp2p.getConnections().length > 0) {
      // close connections first and let the transports finish before their listeners go (stopSettleMs)
      await Promise.allSettled(this.libp2p.getConnections().map(async c => c.close({ signal: AbortSignal.timeout(2_000) })))
      await new Promise(resolve => setTimeout(resolve, this.stopSettleMs))
    }
    await this.libp2p.stop()
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([
      Promise.allSettled([...this.tasks, this.outbox.idle()]),
      new Promise(resolve => { timer = setTimeout(resolve, STOP_WAIT_MS) })
    ])
    clearTimeout(timer)
  }

  /** Run background work that stop() waits for (errors are logged by the work itself). */
  private track (work: Promise<unknown>): void {
    if (this.stopping) return
    const tracked: Promise<unknown> = work.catch(() => {}).finally(() => this.tasks.delete(tracked))
    this.tasks.add(tracked)
  }

  /** Re-dial contacts (start, resume). */
  async dialContacts (): Promise<void> {
    const contacts = (await this.stores.contacts.list()).filter(c => !this.contactBook.isBlocked(c.peerId))
    await Promise.allSettled(contacts.map(async c => this.reach.connect(c.peerId, c.addresses)))
  }

  /**
   * Find DHT peers besides contacts: the configured bootstrap peers, then (when those are not
   * enough) peers remembered in the peer store from earlier runs that speak the Ferry DHT.
   */
  private async joinDht (): Promise<void> {
    const dht = this.libp2p.services.dht
    if (dht == null) return
    const signal = AbortSignal.timeout(DIAL_TIMEOUT_MS)
    await Promise.allSettled(this.bootstrapPeers.map(async ma => this.libp2p.dial(ma, { signal })))
    if (routingTableSize(dht) >= DHT_K) return
    const known = await this.libp2p.peerStore.all({ filters: [p => p.protocols.includes(DHT_PROTOCOL)], limit: DHT_K })
    await Promise.allSettled(known.map(async p => this.libp2p.dial(p.id, { signal })))
  }

  /** After sleep or a network change: take back lost relay slots, re-dial every contact and flush the outbox. */
  async resume (): Promise<void> {
    await this.relays.check()
    await this.dialContacts()
    await this.outbox.flushAll()
  }

  /** A peer announced itself on the LAN: a contact we are not connected to is dialled at once. */
  private async sighted (peer: PeerInfo): Promise<void> {
    this.lan.record(peer)
    const id = peer.id.toString()
    if (this.libp2p.getConnections(peer.id).some(c => c.status === 'open')) return
    const contact = await this.stores.contacts.getByPeer(id)
    if (contact == null || this.contactBook.isBlocked(id)) return
    // connection:open flushes the outbox
    await this.reach.connect(id, contact.addresses).catch((err: any) => { this.log('contact %s seen on the LAN but not reachable: %s', contact.name, err.message) })
  }

  /**
   * Add a contact from an invite link or a multiaddr with /p2p/.
   *
   * @throws InvalidInviteError | InvalidInputError | ContactExistsError
   */
  async addContact (name: string, target: string): Promise<Contact> {
    const isNew = await this.stores.contacts.get(name) == null
    const contact = await this.contactBook.add(name, target)
    void this.reach.connect(contact.peerId, contact.addresses).then(() => this.outbox.flush(contact.peerId), () => {})
    this.welcome(contact, isNew)
    return contact
  }

  /**
   * A contact may use our mailboxes at once; one added anew (after a removal, say) is forgiven a
   * revocation the removal made.
   */
  private welcome (contact: Contact, isNew: boolean): void {
    const mailboxes = this.mailboxes
    if (mailboxes == null) return
    if (isNew && contact.identity != null) this.track(mailboxes.allowIdentity(contact.identity, contact.peerId))
    else this.track(mailboxes.offerCapabilities())
  }

  /** Accept a contact's changed identity key and resume sending to it. */
  async acceptIdentity (name: string): Promise<Contact> {
    const contact = await this.contactBook.accept(name)
    void this.outbox.flush(contact.peerId)
    return contact
  }

  async contacts (): Promise<Contact[]> {
    return this.stores.contacts.list()
  }

  /** Message requests: messages from people who are not contacts, one entry per sender. */
  async requests (): Promise<RequestView[]> {
    return this.requestBox.list()
  }

  /**
   * Accept a message request (by its id or the sender's peer id): the sender becomes contact
   * `name`, its messages join the history, and it gets a mailbox capability like any contact.
   */
  async acceptRequest (id: string, name: string): Promise<Contact> {
    const { contact } = await this.requestBox.accept(id, name)
    void this.reach.connect(contact.peerId, contact.addresses).then(() => this.outbox.flush(contact.peerId), () => {})
    this.welcome(contact, true)
    return contact
  }

  /** Decline a message request: its messages go; with `block`, so does anything more from that peer. */
  async declineRequest (id: string, options: { block?: boolean } = {}): Promise<{ peer: string, messages: number }> {
    return this.requestBox.decline(id, options)
  }

  /**
   * Block contact `name`: what it sends is turned away (it is not told why), nothing is sent to it,
   * it is not dialled, and its mailbox capability is revoked. Its connections stay: the same peer
   * may be a relay, a mailbox host or a DHT neighbour this node relies on.
   */
  async blockContact (name: string): Promise<Contact> {
    const contact = await this.contactBook.block(name)
    if (this.mailboxes != null && contact.identity != null) this.track(this.mailboxes.revoke(name))
    return contact
  }

  /** Unblock contact `name`: connections are taken again and it gets its mailbox capability back. */
  /** Whether `peer` is blocked. */
  isBlocked (peer: string): boolean {
    return this.contactBook.isBlocked(peer)
  }

  async unblockContact (name: string): Promise<Contact> {
    const contact = await this.contactBook.unblock(name)
    this.welcome(contact, true)
    return contact
  }

  /** Remove contact `name` (its history stays); its mailbox capability is revoked first. */
  async removeContact (name: string): Promise<Contact> {
    const contact = await this.contactBook.get(name)
    if (this.mailboxes != null && contact.identity != null) await this.mailboxes.revoke(name).catch((err: any) => { this.log('could not revoke %s\'s capability: %s', name, err.message) })
    return this.contactBook.remove(name)
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
    const contact = await this.contactBook.sendable(name)
    const timer = options.ttlMs ?? contact.expiresMs
    const record = await this.queue(contact, { text, ttlMs: timer ?? DEFAULT_TTL_MS, disappearing: timer != null })
    if (timer != null) this.armExpiry(record.expiresAt)
    return { ...record, contact: contact.name }
  }

  /**
   * The user has seen every message from contact `name`: they become 'read', and unless
   * `readReceipts` is off one read receipt (an encrypted control message, delivered like any
   * message) tells the contact which. Nothing unread: nothing is sent.
   *
   * @returns the ids that became read, in store order
   * @throws UnknownContactError | the store's error when the receipt cannot be queued (the messages stay read)
   */
  async markRead (name: string): Promise<string[]> {
    const contact = await this.stores.contacts.get(name)
    if (contact == null) throw new UnknownContactError(`no contact named "${name}"`)
    const ids = await this.stores.messages.markRead(contact.peerId)
    if (!this.readReceipts) return ids
    const ttlMs = contact.expiresMs ?? DEFAULT_TTL_MS
    for (const read of readReceiptPages(ids)) await this.queue(contact, { text: '', read, ttlMs, disappearing: contact.expiresMs != null })
    return ids
  }

  /** Unread messages per contact name (a peer id when it is no contact); contacts with none are absent. */
  async unread (): Promise<Record<string, number>> {
    const names = new Map((await this.stores.contacts.list()).map(c => [c.peerId, c.name]))
    return Object.fromEntries(Object.entries(await this.stores.messages.unread()).map(([peer, n]) => [names.get(peer) ?? peer, n]))
  }

  /** Set a contact's disappearing-message timer (undefined: off). */
  async setContactExpiry (name: string, expiresMs: number | undefined): Promise<Contact> {
    if (expiresMs != null) checkTtl(expiresMs)
    return this.contactBook.setExpiry(name, expiresMs)
  }

  /** Seal a message (text, or a control message: a capability or a read receipt) and queue it. */
  private async queue (contact: Contact, m: { text: string, ttlMs: number, capability?: Uint8Array, read?: string[], disappearing?: boolean }): Promise<MessageRecord> {
    checkTtl(m.ttlMs)
    const created = this.now()
    const id = this.randomBytes(MESSAGE_ID_BYTES)
    const fields = { id, recipient: contact.identity ?? new Uint8Array(0), recipientDevice: peerIdFromString(contact.peerId).toMultihash().bytes, created, expiresAt: created + m.ttlMs }
    const content = { sender: this.identity.identityKey.publicKey.raw, senderDevice: this.libp2p.peerId.toMultihash().bytes, deviceSignature: this.identity.deviceSignature, text: m.text, sentAt: created, capability: m.capability, read: m.read, disappearing: m.disappearing === true ? true : undefined }
    // encrypt and queue in order per peer; the session state is written with the message
    const written = await this.sessions.serialize(contact.peerId, async () => {
      const bundle = await this.sessions.has(contact.peerId, contact.identity) ? undefined : await this.firstBundle(contact)
      const { envelope, record } = await sealEnvelope(this.sessions, contact.peerId, fields, content, bundle, contact.identity)
      return { done: this.outgoing.add({ id: toHex(id), peer: contact.peerId, text: m.text, status: 'queued', createdAt: created, expiresAt: created + m.ttlMs, envelope, session: record, kind: m.capability == null && m.read == null ? 'text' : 'control', disappearing: m.disappearing }) }
    })
    let record: MessageRecord
    try {
      record = await written.done
    } catch (err) {
      this.sessions.forget(contact.peerId)
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
    const claim = this.mailboxes?.claimPrekey(contact).catch(() => undefined)
    const claimed = await Promise.race([claim, new Promise<undefined>(resolve => setTimeout(() => resolve(undefined), CLAIM_WAIT_MS))])
    if (claimed == null) return contact.bundle
    return encodeBundle({ ...decodeBundle(contact.bundle), oneTimePrekey: claimed })
  }

  /** History in store order, with contact names; `changedAfter` returns only what changed since a rev. */
  async messages (options: { contact?: string, changedAfter?: number, limit?: number } = {}): Promise<MessageView[]> {
    let peer: string | undefined
    if (options.contact != null) {
      const c = await this.stores.contacts.get(options.contact)
      if (c == null) throw new UnknownContactError(`no contact named "${options.contact}"`)
      peer = c.peerId
    }
    const names = new Map((await this.stores.contacts.list()).map(c => [c.peerId, c.name]))
    const rows = await this.stores.messages.list({ peer, changedAfter: options.changedAfter, limit: options.limit })
    return rows.map(r => ({ ...r, contact: names.get(r.peer) ?? r.peer }))
  }

  /**
   * Resolve a contact (by name or peer id) to a connection and say how: an open connection, an
   * address from its invite, or one cached from an earlier connection. `hops` counts intermediate
   * peers (0: direct; the DHT and relays of issue 4 add more).
   *
   * @throws UnknownContactError | UnreachableError (with every address tried)
   */
  async lookup (target: string): Promise<LookupResult> {
    let contact = await this.stores.contacts.get(target)
    if (contact == null && /^[1-9A-HJ-NP-Za-km-z]{40,}$/.test(target)) contact = await this.stores.contacts.getByPeer(target)
    if (contact == null && target.startsWith('z')) return this.lookupIdentity(target)
    const peer = contact?.peerId ?? (/^[1-9A-HJ-NP-Za-km-z]{40,}$/.test(target) ? target : undefined)
    if (peer == null) throw new UnknownContactError(`no contact named "${target}" and not a peer id or identity`)
    const started = this.now()
    const r = await this.reach.resolve(peer, contact?.addresses ?? [])
    return { target, peer, contact: contact?.name, source: r.source, hops: 0, transport: transportOf(r.connection.remoteAddr), remoteAddr: r.connection.remoteAddr.toString(), addresses: r.addresses, ms: this.now() - started }
  }

  /**
   * Resolve an identity through the DHT (issue 4 scope 3): its signed device list, then each
   * device's addresses (the DHT's peer routing when nothing else knows them), then a dial. `hops`
   * is the round trips the device-list lookup took.
   */
  private async lookupIdentity (target: string): Promise<LookupResult> {
    let identity: Uint8Array
    try {
      identity = identityFromString(target)
    } catch {
      throw new UnknownContactError(`no contact named "${target}" and not a peer id or identity`)
    }
    const started = this.now()
    const found = await this.lookupRecord('devices', identity).catch((err: any) => { throw new UnreachableError(`no device list for this identity in the DHT: ${err.message}`) })
    const contacts = new Map((await this.stores.contacts.list()).map(c => [c.peerId, c]))
    const errors: string[] = []
    for (const d of DeviceList.decode(found.record.payload).devices) {
      const peer = peerIdFromMultihash(Digest.decode(d.peerId)).toString()
      try {
        const r = await this.reach.resolve(peer, contacts.get(peer)?.addresses ?? [])
        return { target, peer, contact: contacts.get(peer)?.name, source: r.source, hops: found.hops, transport: transportOf(r.connection.remoteAddr), remoteAddr: r.connection.remoteAddr.toString(), addresses: r.addresses, ms: this.now() - started }
      } catch (err: any) {
        errors.push(`${peer}: ${err.message}`)
      }
    }
    throw new UnreachableError(`no device of this identity is reachable: ${errors.join('; ')}`)
  }

  /**
   * Publish this identity's signed records in the private DHT: its prekey bundle (no one-time
   * prekey), its device list and, when it uses mailboxes, its mailbox set — or only the `kinds`
   * that changed (each record costs a lookup and ten stores). Sequence numbers are the publish
   * time, so the newest wins.
   *
   * @returns how many records were stored somewhere; 0 without a DHT or peers
   */
  async publishRecords (kinds: readonly RecordKind[] = RECORD_KINDS): Promise<number> {
    if (this.libp2p.services.dht == null) return 0
    const now = this.now()
    const records: Array<[RecordKind, Uint8Array]> = []
    if (kinds.includes('bundle')) records.push(['bundle', encodeBundle(await createBundle(this.crypto, this.identity, this.stores.prekeys, { withOneTime: false }))])
    if (kinds.includes('devices')) records.push(['devices', DeviceList.encode({ devices: [{ peerId: this.libp2p.peerId.toMultihash().bytes, signature: this.identity.deviceSignature }] })])
    const hosts = kinds.includes('mailboxes') ? await this.mailboxes?.hostIds() ?? [] : []
    if (hosts.length > 0) records.push(['mailboxes', MailboxSet.encode({ hosts })])
    let stored = 0
    for (const [kind, payload] of records) {
      try {
        const value = await signRecord(this.identity.identityKey, kind, payload, { seq: now, now }, this.crypto)
        await this.libp2p.contentRouting.put(recordKey(kind, this.identity.identityKey.publicKey.raw), value, { signal: AbortSignal.timeout(30_000) })
        stored++
      } catch (err: any) {
        this.log('could not publish the %s record: %s', kind, err.message)
      }
    }
    return stored
  }

  /**
   * An identity's record of `kind` from the private DHT, validated.
   *
   * @throws when no valid record is found
   */
  async findRecord (kind: RecordKind, identity: Uint8Array, options: AbortOptions = {}): Promise<SignedRecord> {
    return (await this.lookupRecord(kind, identity, options)).record
  }

  /** findRecord with how it went: hops to the first valid copy and peers asked. */
  async lookupRecord (kind: RecordKind, identity: Uint8Array, options: AbortOptions = {}): Promise<RecordLookup> {
    const dht = this.libp2p.services.dht
    if (dht == null) throw new InvalidInputError('this node runs without the DHT')
    const key = recordKey(kind, identity)
    return lookupRecord(dht, key, async value => validateRecord(key, value, this.now(), this.crypto), options)
  }

  /** Agree to keep mail for contact `name` (`ferry mailbox host`). */
  async hostMailbox (name: string, limits: { quotaBytes?: number, quotaMessages?: number, maxTtlMs?: number } = {}): Promise<HostedOwner> {
    return this.needMailboxes().host(name, limits)
  }

  async unhostMailbox (name: string): Promise<void> {
    return this.needMailboxes().unhost(name)
  }

  /** Let this node's mail wait at these contacts (`ferry mailbox use`); contacts get capabilities. */
  async useMailboxes (names: string[]): Promise<string[]> {
    const mailboxes = this.needMailboxes()
    const used = await mailboxes.use(names)
    // only the mailbox set changed: the bundle and device list stand as published
    this.track(this.publishRecords(['mailboxes']))
    this.track(mailboxes.collect())
    this.track(mailboxes.uploadPrekeys())
    return used
  }

  /** Revoke the mailbox capabilities a contact holds, at every host, until `allowMailbox`. */
  async revokeMailbox (name: string): Promise<number> {
    return this.needMailboxes().revoke(name)
  }

  /** Lift a revocation: the contact gets a capability again. */
  async allowMailbox (name: string): Promise<void> {
    return this.needMailboxes().allow(name)
  }

  async mailboxStatus (): Promise<MailboxStatus> {
    return this.needMailboxes().status()
  }

  /** Fetch waiting mail from every mailbox now, and collect delivery receipts left for us. */
  async collectMail (): Promise<{ collected: Collected[], receipts: number }> {
    const m = this.needMailboxes()
    const [collected, receipts] = await Promise.all([m.collect(), m.collectReceipts()])
    return { collected, receipts }
  }

  private needMailboxes (): Mailboxes {
    if (this.mailboxes == null) throw new InvalidInputError('this node runs without mailboxes')
    return this.mailboxes
  }

  /** This node's listen addresses, with /p2p/<peer id>. */
  addresses (): string[] {
    return this.libp2p.getMultiaddrs().map(a => a.toString())
  }

  async status (): Promise<FerryStatus> {
    const names = new Map((await this.stores.contacts.list()).map(c => [c.peerId, c.name]))
    const connections = this.libp2p.getConnections().map(c => ({
      peer: c.remotePeer.toString(),
      contact: names.get(c.remotePeer.toString()),
      transport: transportOf(c.remoteAddr),
      remoteAddr: c.remoteAddr.toString(),
      direction: c.direction
    }))
    const { dht, lan, relay } = this.libp2p.services
    const relayed = this.libp2p.getMultiaddrs().filter(a => transportOf(a) === 'circuit-relay')
    return {
      peerId: this.peerId,
      identity: identityToString(this.identity.identityKey.publicKey.raw),
      addresses: this.addresses(),
      connections,
      outbox: await this.stores.messages.countQueued(),
      ...(dht == null ? {} : { dht: { mode: dht.getMode(), routingTable: routingTableSize(dht), lookups: this.dhtLookups.summary() } }),
      lan: { enabled: lan != null, peers: this.lan.size },
      relay: { server: relay != null, serving: relay?.reservations.size ?? 0, reservations: this.relays.held(), addresses: relayed.map(a => a.toString()) }
    }
  }

  /** A signed invite link for this node, with a prekey bundle (no one-time prekey: an invite may reach several people). */
  async invite (options: { ttlMs?: number } = {}): Promise<string> {
    const addrs = this.libp2p.getMultiaddrs().map(a => a.decapsulateCode(421))
    const bundle = await createBundle(this.crypto, this.identity, this.stores.prekeys, { withOneTime: false })
    const mailboxes = await this.mailboxes?.refs() ?? []
    return createInvite(this.identity, addrs, { name: this.name, now: this.now(), ttlMs: options.ttlMs, bundle, mailboxes })
  }

  /**
   * Ask a contact's device for its prekey bundle over `/ferry/bundle` (contacts added by multiaddr).
   *
   * @throws NoSessionError when the contact cannot be reached | IdentityChangedError
   */
  private async fetchBundle (contact: Contact): Promise<Uint8Array> {
    let bytes: Uint8Array
    try {
      const connection = await this.reach.connect(contact.peerId, contact.addresses)
      bytes = await this.libp2p.services.bundles.fetch(connection)
    } catch (err: any) {
      throw new NoSessionError(`cannot start an encrypted session with ${contact.name}: no prekey bundle (add them by invite, or be online together once): ${err.message}`)
    }
    const bundle = decodeBundle(bytes)
    await verifyBundle(this.crypto, bundle)
    await this.contactBook.identitySeen(contact.peerId, bundle.identity)
    await this.contactBook.sendable(contact.name) // throws if that identity differs from the known one
    return bytes
  }
}

/** @throws InvalidInputError unless MIN_TTL_MS <= ttl <= MAX_TTL_MS */
function checkTtl (ttl: number): void {
  if (!Number.isFinite(ttl) || ttl < MIN_TTL_MS || ttl > MAX_TTL_MS) throw new InvalidInputError(`expiry must be between ${MIN_TTL_MS / 1000} s and ${MAX_TTL_MS / 86_400_000} days`)
}
