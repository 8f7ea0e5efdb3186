/**
 * Team rooms in the running node (`ferry.groups`): the user's side of rooms. It builds the node's
 * `Rooms` over its RoomStore once the identity DH key exists (its private half opens the rooms'
 * two-party channels, its public half and signature are our card), carries them with
 * `RoomDelivery` over `/ferry/group/1.0.0`, runs the anti-entropy exchange with every fellow
 * member we connect to and every 20 s, and keeps each room's history (the messages sent and
 * opened, with each recipient's state) in the store with the room's key state.
 *
 * People are named as the user knows them: a contact's name, or for a member who is not a
 * contact its identity string. A room is named by its name (unique among ours) or its id.
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { decodeBundle, verifyBundle } from '../crypto/bundle.js'
import { identityFromString, identityToString } from '../crypto/identity.js'
import { MAX_TEXT_BYTES } from '../constants.js'
import { InvalidEnvelopeError, InvalidInputError, MessageTooLargeError, UnknownContactError } from '../errors.js'
import { MAX_TIMER_MS } from './ops.js'
import { fromHex, toHex as hex } from '../util/bytes.js'
import { bundleCard, ownCard, UnknownCardError } from './cards.js'
import { RoomDelivery, SYNC_INTERVAL_MS } from './delivery.js'
import { HistoryRecord, Recipient } from './pb/groups.js'
import { FileRef } from '../pb/ferry.js'
import { encodeRoomContent } from './room-content.js'
import { RoomReceipts } from './room-receipts.js'
import { RoomDevices } from './room-devices.js'
import type { OwnDevice } from './room-devices.js'
import { historyEntry, incomingEntry, markRecipients, messageView, rank } from './history.js'
import { RoomMail } from './room-mail.js'
import { RoomPeers } from './room-peers.js'
import { Rooms, UnknownRoomError } from './rooms.js'
import type { RoomMailboxes } from './room-mail.js'
import type { GroupMessage } from './history.js'
import type { GroupSummary } from './summary.js'
import type { Card } from './cards.js'
import type { Room } from './room.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Identity } from '../crypto/identity.js'
import type { PrekeyStore } from '../crypto/prekeys.js'
import type { FerryServices } from '../ferry-types.js'
import type { ContactStore, RoomHistoryEntry, RoomStore } from '../stores/stores.js'
import type { GroupReceiver } from '../services/group/index.js'
import type { Envelope } from '../messaging/envelope.js'
import type { Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'

export type { GroupMessage } from './history.js'
export type { GroupMember, GroupSummary } from './summary.js'

export interface GroupsInit {
  libp2p: Libp2p<FerryServices>
  identity: Identity
  store: RoomStore
  prekeys: PrekeyStore
  contacts: ContactStore
  crypto: CryptoBackend
  now: () => number
  log: Logger
  /** reach a contact (Presence.connect): every 20 s, members who are contacts and not connected are tried */
  connect?: (peer: string, addrs: string[]) => Promise<unknown>
  /** the node's mailboxes: room traffic for members who are away waits at their hosts (room-mail.ts) */
  mailboxes?: RoomMailboxes
  /** this person's other devices and the revoked ones (the signed device list): rooms follow it (room-devices.ts) */
  ownDevices?: () => Promise<{ others: OwnDevice[], revoked: string[] }>
  /** whether a peer is another device in our list, not revoked: it may bring us a room we lack */
  isOwnDevice?: (peer: string) => boolean
  /** files (protocol/files/): a member's message announced one (fetch it), and the history shows each file's state */
  files?: () => { announced: (ref: FileRef, m: { id: string, peer: string, createdAt: number, expiresAt: number, disappearing: boolean }) => Promise<void>, withFiles: <M extends GroupMessage>(views: M[]) => Promise<M[]> } | undefined
}

const te = new TextEncoder()
/** Members tried per tick at most. */
const MAX_DIALS_PER_TICK = 16

export class Groups {
  private rooms?: Rooms
  private delivery?: RoomDelivery
  private mail?: RoomMail
  /** room mail being posted, one round after another */
  private posting: Promise<void> = Promise.resolve()
  private readonly peers: RoomPeers
  private readonly cards = new Map<string, Card>()
  private receipts?: RoomReceipts
  private devices?: RoomDevices
  private timer?: ReturnType<typeof setInterval>
  private readonly onConnect = (evt: CustomEvent<Connection>): void => { void this.syncWith(evt.detail) }

  constructor (private readonly f: GroupsInit) {
    const own = f.ownDevices
    this.peers = new RoomPeers(f.libp2p, f.contacts, own == null ? undefined : { identity: f.identity.identityKey.publicKey.raw, devices: async () => (await own()).others.map(d => d.peer) })
  }

  /** What the group service hands packets to: refused until the rooms are loaded. */
  readonly receiver: GroupReceiver = {
    admit: async (room, from) => await this.delivery?.admit(room, from) ?? false,
    receive: async (room, packet, from) => {
      if (this.delivery == null) throw new Error('the rooms are not loaded yet')
      return await this.delivery.receive(room, packet, from)
    }
  }

  async start (): Promise<void> {
    const dh = await this.f.prekeys.identityDh()
    if (dh == null) throw new Error('no identity DH key: prekeys must be made before rooms load')
    const me = this.f.identity.identityKey.publicKey.raw
    this.cards.set(hex(me), ownCard(this.f.identity, dh))
    this.rooms = new Rooms({ store: this.f.store, init: { me: this.f.identity, crypto: this.f.crypto, initialPrivateKey: dh.privateKey, cards: id => this.cards.get(hex(id)), now: this.f.now } })
    this.receipts = new RoomReceipts({ rooms: this.rooms, identity: this.f.identity, device: this.device, crypto: this.f.crypto, now: this.f.now })
    for (const bad of await this.rooms.load()) this.f.log.error('room %s did not load - %e', hex(bad.group), bad.error)
    this.mail = new RoomMail({
      rooms: this.rooms,
      identity: this.f.identity,
      crypto: this.f.crypto,
      dhPrivateKey: dh.privateKey,
      device: this.device,
      mailboxes: this.f.mailboxes,
      connected: identity => this.peers.connectionsTo(identity).length > 0,
      stored: async (group, ids, members) => await markRecipients(this.need(), group, ids, members, Recipient.State.STORED),
      now: this.f.now,
      log: this.f.log
    })
    this.delivery = new RoomDelivery({
      rooms: this.rooms,
      crypto: this.f.crypto,
      exchange: { exchange: async (...args) => await this.f.libp2p.services.group.exchange(...args) },
      connectionsTo: identity => this.peers.connectionsTo(identity),
      isContact: async identity => (await this.f.contacts.list()).some(c => c.identity != null && hex(c.identity) === hex(identity)),
      isOwnDevice: peer => this.f.isOwnDevice?.(peer) ?? false,
      onMessage: (room, m, history) => {
        const entry = incomingEntry(m, this.f.now(), me)
        history.push(entry)
        const record = HistoryRecord.decode(entry.record)
        if (record.file.byteLength > 0 && !record.outgoing) void this.announced(m.id, record, peerIdFromMultihash(Digest.decode(m.device)).toString())
      },
      onAsker: asker => this.peers.learn(asker),
      receiptOf: async room => await this.receipts?.of(room) as Uint8Array,
      onReceipt: async (room, receipt) => await this.receipts?.from(room, receipt),
      offer: async (room, member) => await this.mail?.offer(room, member) ?? [],
      onCapabilities: async (room, from, capabilities) => await this.mail?.keep(room, from, capabilities),
      onError: err => this.f.log('group exchange failed: %s', err.message)
    }, me, this.device)
    const ownDevices = this.f.ownDevices
    if (ownDevices != null) {
      const act = async (room: Room, fn: (room: Room) => Promise<Uint8Array[]>): Promise<void> => { await this.delivery?.act(room.group, async r => ({ ops: await fn(r) })) }
      this.devices = new RoomDevices({ identity: me, crypto: this.f.crypto, list: ownDevices, act, log: this.f.log })
    }
    await this.peers.refresh(this.rooms)
    void this.devicesChanged()
    this.f.libp2p.addEventListener('connection:open', this.onConnect)
    this.timer = setInterval(() => { void this.tick() }, SYNC_INTERVAL_MS)
  }

  /** Our device list changed (a link, a revocation, a device's new bundle): rooms follow it. */
  async devicesChanged (): Promise<void> {
    await this.peers.refresh(this.rooms)
    await this.devices?.ensure(this.rooms).catch((err: Error) => this.f.log.error('rooms did not follow the device list - %e', err))
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.f.libp2p.removeEventListener('connection:open', this.onConnect)
    await this.delivery?.settled()
    await this.posting
  }

  /** Group mail from our mailbox hosts, taken in as if its depositor had handed it over. @throws InvalidEnvelopeError */
  async acceptMail (env: Envelope, depositor: PeerId): Promise<{ storedAt: number }> {
    if (this.mail == null || this.delivery == null) throw new Error('the rooms are not loaded yet')
    const { group, packet, from } = await this.mail.open(env, depositor)
    if (!await this.delivery.admit(group, from)) throw new InvalidEnvelopeError('group mail from someone who may not speak for that room')
    try {
      await this.delivery.receive(group, packet, from)
    } catch (err: any) {
      if (err instanceof UnknownRoomError) throw new InvalidEnvelopeError(`group mail for a room we do not hold: ${err.message}`)
      throw err
    }
    return { storedAt: this.f.now() }
  }

  /** Create a room with these contacts. @throws InvalidInputError (name taken), UnknownContactError, UnknownCardError */
  async create (name: string, members: string[], expiresMs = 0): Promise<GroupSummary> {
    const rooms = this.need()
    if (rooms.list().some(r => r.state().name === name)) throw new InvalidInputError(`you already have a group named "${name}"`)
    const ids = await Promise.all(members.map(async m => await this.contact(m)))
    const made = await rooms.create(name, ids, expiresMs)
    await this.delivery?.deliver(made.room.group, { ops: made.ops, messages: [], receipts: [] })
    return await this.summary(made.room)
  }

  async add (group: string, members: string[]): Promise<void> {
    const ids = await Promise.all(members.map(async m => await this.contact(m)))
    for (const id of ids) await this.act(group, async room => ({ ops: await room.add(id) }))
  }

  async remove (group: string, members: string[]): Promise<void> {
    const room = this.room(group)
    const ids = await Promise.all(members.map(async m => await this.member(room, m)))
    for (const id of ids) {
      await this.act(group, async r => ({ ops: await r.remove(id) }))
      await this.delivery?.tell(room.group, id) // the removed member is not among those deliver reaches
    }
  }

  async leave (group: string): Promise<void> {
    await this.act(group, async room => ({ ops: await room.leave() }))
  }

  async admin (group: string, member: string, revoke = false): Promise<void> {
    const id = await this.member(this.room(group), member)
    await this.act(group, async room => ({ ops: await room.change({ kind: revoke ? 'demote' : 'promote', member: id }) }))
  }

  async set (group: string, change: { name?: string, expiresMs?: number }): Promise<void> {
    if (change.name != null && this.need().list().some(r => r.state().name === change.name && hex(r.group) !== hex(this.room(group).group))) throw new InvalidInputError(`you already have a group named "${change.name}"`)
    if (change.name != null) await this.act(group, async room => ({ ops: await room.change({ kind: 'rename', name: change.name as string }) }))
    if (change.expiresMs != null) await this.act(group, async room => ({ ops: await room.change({ kind: 'setTimer', expiresMs: change.expiresMs as number }) }))
  }

  /** A member's file message: its file is fetched from the sending device (protocol/files/). */
  private async announced (id: string, r: HistoryRecord, peer: string): Promise<void> {
    const files = this.f.files?.()
    await files?.announced(FileRef.decode(r.file), { id, peer, createdAt: r.sentAt, expiresAt: r.expiresAt === 0 ? Number.MAX_SAFE_INTEGER : r.expiresAt, disappearing: r.expiresAt !== 0 }).catch((err: any) => { this.f.log('a room file was refused: %s', err.message) })
  }

  /** Seal a message (with `file`, a file's announcement) for the room, keep it in the history, hand it to every member we reach. */
  async send (group: string, text: string, expiresMs?: number, file?: FileRef): Promise<GroupMessage> {
    if (te.encode(text).byteLength > MAX_TEXT_BYTES) throw new MessageTooLargeError(`a message is at most ${MAX_TEXT_BYTES} bytes of text`)
    if (expiresMs != null && !(expiresMs > 0 && expiresMs <= MAX_TIMER_MS)) throw new InvalidInputError('a message expires after a time between 1 ms and 30 days')
    const room = this.room(group)
    const me = hex(this.f.identity.identityKey.publicKey.raw)
    const others = room.state().members.map(m => m.identity).filter(id => hex(id) !== me)
    let entry: { id: string, record: HistoryRecord } | undefined
    const { reached } = await this.act(group, async (r, history) => {
      const encoded = file == null ? undefined : FileRef.encode(file)
      const sent = await r.send(encodeRoomContent(text, encoded), expiresMs)
      const at = this.f.now()
      const record: HistoryRecord = { sender: fromHex(me), outgoing: true, text, sentAt: at, receivedAt: at, expiresAt: sent.expiresAt, read: true, elsewhere: false, recipients: others.map(member => ({ member, state: Recipient.State.QUEUED })), file: encoded ?? new Uint8Array(0) }
      entry = { id: sent.id, record }
      history.push(historyEntry(sent.id, record))
      return { ops: [], messages: [sent.bytes] }
    })
    const done = entry as { id: string, record: HistoryRecord }
    if (reached.size > 0) await markRecipients(this.need(), room.group, new Set([done.id]), reached, Recipient.State.DELIVERED)
    if (reached.size < others.length) this.post(room.group, new Set([done.id])) // those away: at their mailboxes
    const kept = (await this.need().history(room.group)).find(e => e.id === done.id)
    return messageView(room.group, kept ?? { seq: 0, ...historyEntry(done.id, done.record) })
  }

  /** A room's messages after `afterSeq`, oldest first. */
  async messages (group: string, options: { afterSeq?: number, limit?: number } = {}): Promise<GroupMessage[]> {
    const room = this.room(group)
    const names = await this.names()
    const now = this.f.now()
    // nothing is shown after its expiry, even before the sweep deletes it
    const views = (await this.need().history(room.group, options)).filter(e => e.expiresAt === 0 || e.expiresAt > now).map(e => messageView(room.group, e, names))
    return await this.f.files?.()?.withFiles(views) ?? views
  }

  /** Delete every expired history entry now (also every 20 s). @returns how many */
  async sweep (): Promise<number> {
    return await this.f.store.sweepRoomHistory(this.f.now())
  }

  /** Mark every incoming message of the room read, and tell the members (our receipt). @returns how many were unread */
  async markRead (group: string): Promise<number> {
    const room = this.room(group)
    const unread = (await this.need().history(room.group)).map(e => ({ e, r: HistoryRecord.decode(e.record) })).filter(({ r }) => !r.outgoing && !r.read)
    if (unread.length === 0) return 0
    await this.need().act(room.group, (_room, history) => { for (const { e, r } of unread) history.push(historyEntry(e.id, { ...r, read: true })) })
    // the senders learn it from our receipt, carried by whoever meets them
    await this.delivery?.deliver(room.group, { ops: [], messages: [], receipts: [await (this.receipts as RoomReceipts).of(room)] })
    return unread.length
  }

  async list (): Promise<GroupSummary[]> {
    return await Promise.all(this.need().list().map(async r => await this.summary(r)))
  }

  async info (group: string): Promise<GroupSummary> {
    return await this.summary(this.room(group))
  }

  /** Anti-entropy with one connection's peer, for every room it is a member of. */
  async syncWith (connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    await this.peers.refresh(this.rooms)
    for (const identity of this.peers.identitiesOf(peer)) await this.delivery?.sync(connection, fromHex(identity))
  }

  /**
   * Every 20 s: expired history goes, every connected member syncs, and members who are our
   * contacts but not connected are tried (a unit back in range is met within 20 s; its sync runs
   * when the connection opens).
   */
  private async tick (): Promise<void> {
    await this.sweep().catch((err: Error) => this.f.log.error('room history sweep failed - %e', err))
    for (const room of this.rooms?.list() ?? []) this.post(room.group)
    await this.devicesChanged()
    for (const c of this.f.libp2p.getConnections()) await this.syncWith(c).catch(() => {})
    const members = new Set(this.rooms?.list().flatMap(r => r.state().members.map(m => hex(m.identity))))
    const connected = new Set(this.f.libp2p.getConnections().map(c => c.remotePeer.toString()))
    const away = (await this.f.contacts.list()).filter(c => c.identity != null && members.has(hex(c.identity)) && !connected.has(c.peerId)).map(c => ({ peer: c.peerId, addrs: c.addresses }))
    // our own other devices too, while we share a room: they hold the same rooms
    const siblings = members.size === 0 ? [] : (await this.f.ownDevices?.())?.others.filter(d => !connected.has(d.peer)).map(d => ({ peer: d.peer, addrs: d.addrs ?? [] })) ?? []
    for (const c of [...siblings, ...away].slice(0, MAX_DIALS_PER_TICK)) void this.f.connect?.(c.peer, c.addrs).catch(() => {})
  }

  private async act<T extends { ops: Uint8Array[], messages?: Uint8Array[] }>(group: string, fn: (room: Room, history: RoomHistoryEntry[]) => Promise<T>): Promise<{ result: T, reached: Set<string> }> {
    const room = this.room(group)
    await this.peers.refresh(this.rooms)
    return await (this.delivery as RoomDelivery).act(room.group, fn)
  }

  /** Post room mail after what is being posted (room-mail.ts). */
  private post (group: Uint8Array, ids?: Set<string>): void {
    this.posting = this.posting.then(async () => { await this.mail?.post(group, ids) }).catch((err: Error) => this.f.log('room mail failed: %s', err.message))
  }

  private need (): Rooms {
    if (this.rooms == null) throw new InvalidInputError('the rooms are not loaded yet (the node is starting)')
    return this.rooms
  }

  /** A room by id or by its (unique) name. @throws UnknownRoomError, InvalidInputError */
  private room (ref: string): Room {
    const rooms = this.need().list()
    const byId = /^[0-9a-f]{64}$/i.test(ref) ? rooms.find(r => hex(r.group) === ref.toLowerCase()) : undefined
    if (byId != null) return byId
    const named = rooms.filter(r => r.state().name === ref)
    if (named.length > 1) throw new InvalidInputError(`several groups are named "${ref}": use the id`)
    if (named.length === 0) throw new UnknownRoomError(`no group "${ref}"`)
    return named[0]
  }

  /** A contact's identity, with its card ready. @throws UnknownContactError, UnknownCardError */
  private async contact (name: string): Promise<Uint8Array> {
    const c = await this.f.contacts.get(name)
    if (c == null) throw new UnknownContactError(`no contact named "${name}"`)
    if (c.identity == null) throw new UnknownCardError(`"${name}"'s identity is not known yet: connect to it once first`)
    if (!this.cards.has(hex(c.identity))) {
      let bundle = c.bundle
      const connection = this.f.libp2p.getConnections(peerIdFromString(c.peerId))[0]
      if (bundle == null && connection != null) bundle = await this.f.libp2p.services.bundles.fetch(connection)
      if (bundle == null) throw new UnknownCardError(`no key card for "${name}": connect to it first`)
      const b = decodeBundle(bundle)
      await verifyBundle(this.f.crypto, b)
      if (hex(b.identity) !== hex(c.identity)) throw new UnknownCardError(`"${name}"'s bundle is of another identity`)
      this.cards.set(hex(c.identity), bundleCard(b))
    }
    return c.identity
  }

  /** A member by contact name or identity string. @throws InvalidInputError when not a member */
  private async member (room: Room, ref: string): Promise<Uint8Array> {
    const c = await this.f.contacts.get(ref)
    let id: Uint8Array | undefined = c?.identity
    if (id == null) try { id = identityFromString(ref) } catch {}
    if (id == null || !room.state().members.some(m => hex(m.identity) === hex(id))) throw new InvalidInputError(`"${ref}" is not a member of this group`)
    return id
  }

  /** our device: peer id multihash bytes */
  private get device (): Uint8Array {
    return this.f.libp2p.peerId.toMultihash().bytes
  }

  private async names (): Promise<Map<string, string>> {
    return new Map((await this.f.contacts.list()).flatMap(c => c.identity == null ? [] : [[hex(c.identity), c.name] as [string, string]]))
  }

  private async summary (room: Room): Promise<GroupSummary> {
    const s = room.state()
    const names = await this.names()
    const me = hex(this.f.identity.identityKey.publicKey.raw)
    const records = (await this.need().history(room.group)).map(e => ({ seq: e.seq, r: HistoryRecord.decode(e.record) }))
    const unread = records.filter(({ r }) => !r.outgoing && !r.read).length
    return {
      group: hex(room.group),
      name: s.name,
      members: s.members.map(m => ({ identity: identityToString(m.identity), ...(names.has(hex(m.identity)) && { name: names.get(hex(m.identity)) }), role: m.role, me: hex(m.identity) === me, devices: room.deviceCount(hex(m.identity)) })),
      expiresMs: s.timer,
      keys: room.keyStatus,
      converged: room.held === 0 && room.waiting === 0,
      epoch: s.epoch,
      unread,
      latest: records.reduce((max, e) => Math.max(max, e.seq), 0),
      progress: records.reduce((sum, { r }) => sum + r.recipients.reduce((n, x) => n + rank(x.state), 0), 0)
    }
  }
}
