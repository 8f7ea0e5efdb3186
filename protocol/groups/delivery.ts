/**
 * Team rooms on the wire: one node's `Rooms` carried over `/ferry/group/1.0.0`
 * (protocol/services/group/). Whatever an action produces goes at once to every member we have a
 * connection to; whatever arrives is taken in and passed on to the other members we reach, so a
 * message crosses a team through whichever members meet (docs/groups.md "Delivery and
 * ferrying"); and `sync` runs the anti-entropy exchange with a fellow member (our summary, its
 * answer) for every room we share, when we meet and every 20 s. Receipts (receipts.ts) travel
 * the same ways: our own after news and in every sync, and whatever newer receipts we hold.
 *
 * A room we do not hold is taken only from a contact or another of our own devices, and only
 * when the packet starts with the room's root (an exchange refused UNKNOWN_ROOM is sent again as
 * the whole log); it is kept only if its log then lists our device. Who may speak for a held room
 * is the room's log, asked before the packet's body is decoded (the service calls `admit` first):
 * a member's devices, less those the log took out. Our own devices in a room are members' devices
 * like any other: what reaches us goes on to them too.
 */
import { toHex as hex } from '../util/bytes.js'
import { UnknownRoomError } from './rooms.js'
import { answer, summarize } from './ferrying.js'
import { verifyReceipt } from './receipts.js'
import { removalsOf, removedIn } from './room-keys.js'
import { Summary } from './pb/groups.js'
import { packets } from '../services/group/packets.js'
import type { Rooms } from './rooms.js'
import type { Receipt } from './receipts.js'
import type { RoomHistoryEntry } from '../stores/stores.js'
import type { Room, RoomMessage } from './room.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { GroupAsker, GroupExchange, GroupPacket, GroupReceiver } from '../services/group/index.js'
import type { Connection } from '@libp2p/interface'

/** How often connected members run the anti-entropy exchange. */
export const SYNC_INTERVAL_MS = 20_000

/** What travels for a room. */
export interface Items { ops: Uint8Array[], messages: Uint8Array[], receipts: Uint8Array[] }

const none = (): Items => ({ ops: [], messages: [], receipts: [] })
const empty = (i: Items): boolean => i.ops.length === 0 && i.messages.length === 0 && i.receipts.length === 0

export interface RoomDeliveryInit {
  rooms: Rooms
  exchange: GroupExchange
  crypto: CryptoBackend
  /** open connections to a person's devices (the platform's view: contacts, and who showed us a hello) */
  connectionsTo(identity: Uint8Array): Connection[]
  /** whether a person is our contact: only a contact (or an own device) can bring us into a room */
  isContact(identity: Uint8Array): Promise<boolean> | boolean
  /** whether a peer is another device in our own signed device list (not revoked) */
  isOwnDevice?(peer: string): boolean
  /** every message that opened, once, inside the action that opened it: entries pushed into `history` are kept with it */
  onMessage?(room: Uint8Array, message: RoomMessage, history: RoomHistoryEntry[]): void
  /** our own receipt for a room, signed now (what we hold and have read) */
  receiptOf?(room: Room): Promise<Uint8Array>
  /** a member's receipt newer than the one held: what it holds and has read */
  onReceipt?(room: Uint8Array, receipt: Receipt): Promise<void>
  /** a fellow member's device proved its identity to us (a hello): where we can reach it */
  onAsker?(asker: GroupAsker): void
  /** the room-scoped mailbox capabilities to hand a fellow member in our sync (room-mail.ts) */
  offer?(room: Uint8Array, member: Uint8Array): Promise<Uint8Array[]>
  /** capabilities a listed member handed us in a packet */
  onCapabilities?(room: Uint8Array, from: Uint8Array, capabilities: Uint8Array[]): Promise<void>
  /** an exchange that failed (the next sync retries) */
  onError?(error: Error): void
}

export class RoomDelivery implements GroupReceiver {
  private readonly pending = new Set<Promise<void>>()
  private readonly me: string
  private readonly ownDevice: string
  /** our own device's receipts are signed fresh (own), not passed on from the room */
  private readonly ownReceiptKey: string

  constructor (private readonly init: RoomDeliveryInit, me: Uint8Array, device: Uint8Array) {
    this.me = hex(me)
    this.ownDevice = hex(device)
    this.ownReceiptKey = `${this.me}/${this.ownDevice}`
  }

  async admit (room: Uint8Array, from: GroupAsker): Promise<boolean> {
    this.init.onAsker?.(from)
    const held = this.init.rooms.get(room)
    if (held == null) return hex(from.identity) === this.me ? this.init.isOwnDevice?.(from.peer.toString()) === true : await this.init.isContact(from.identity)
    if (held.log.deviceGone(hex(from.identity), hex(from.peer.toMultihash().bytes))) return false // a device the room took out
    // a member; or someone removed (or gone), who may learn of it and nothing more (receive)
    return held.state().members.some(m => hex(m.identity) === hex(from.identity)) || removedIn(held.log, hex(from.identity))
  }

  async receive (room: Uint8Array, packet: GroupPacket, from: GroupAsker): Promise<Items | undefined> {
    const former = this.init.rooms.get(room)
    if (former != null && !former.state().members.some(m => hex(m.identity) === hex(from.identity))) {
      return packet.summary == null ? undefined : { ops: this.removal(former, from.identity, packet.summary), messages: [], receipts: [] }
    }
    const joining = this.init.rooms.get(room) == null
    if (joining) await this.join(room, packet.ops)
    await this.takeIn(room, packet, from.identity)
    if (joining && !this.listsUs(room)) {
      await this.init.rooms.forget(room)
      throw new UnknownRoomError('the room does not list us')
    }
    const held = this.init.rooms.get(room)
    if ((packet.capabilities?.length ?? 0) > 0 && held != null && this.lists(held, from.identity)) await this.init.onCapabilities?.(room, from.identity, packet.capabilities)
    if (packet.summary == null || held == null) return undefined
    return { ...answer(held, packet.summary), receipts: await this.receipts(held) }
  }

  /**
   * Run an action on a room (Rooms.act) and hand what it produced to every member we reach.
   *
   * @returns what the action returned, and the members (identity hex) whose node took it all
   */
  async act<T extends { ops: Uint8Array[], messages?: Uint8Array[], receipts?: Uint8Array[] }>(room: Uint8Array, fn: (room: Room, history: RoomHistoryEntry[]) => Promise<T>): Promise<{ result: T, reached: Set<string> }> {
    const result = await this.init.rooms.act(room, fn)
    return { result, reached: await this.deliver(room, { ops: result.ops, messages: result.messages ?? [], receipts: result.receipts ?? [] }) }
  }

  /**
   * Anti-entropy with one connected member: for every room we share, our summary and the receipts
   * we hold go over, and what it holds that we lack comes back.
   */
  async sync (connection: Connection, identity: Uint8Array): Promise<void> {
    const device = hex(connection.remotePeer.toMultihash().bytes)
    for (const room of this.init.rooms.list()) {
      if (!room.state().members.some(m => hex(m.identity) === hex(identity)) || !this.reaches(room, identity, device)) continue
      try {
        const [first, ...rest] = packets([], [], undefined, await this.receipts(room), await this.init.offer?.(room.group, identity) ?? [])
        for (const packet of rest) await this.init.exchange.exchange(connection, room.group, packet)
        const got = await this.init.exchange.exchange(connection, room.group, { ...first, summary: summarize(room) })
        if (empty(got)) continue
        const news = await this.takeIn(room.group, got, identity)
        // what we hold now, once more: the member learns we have its messages
        const now = this.init.rooms.get(room.group)
        if (news && now != null) await this.init.exchange.exchange(connection, room.group, { summary: summarize(now), receipts: await this.own(now) })
      } catch (err: any) {
        // a member, or another of our devices the room names, that does not hold it yet: it was
        // away when it was made or brought in
        if (err.code === 'UNKNOWN_ROOM' && (hex(identity) !== this.me || room.log.isParticipant(this.me, device))) {
          await this.handWhole(connection, room, identity).catch((e: Error) => this.init.onError?.(e))
        } else {
          this.init.onError?.(err)
        }
      }
    }
  }

  /** Whether items for a room go to this device of a member: not to a device the room took out, nor to ours. */
  private reaches (room: Room, identity: Uint8Array, device: string): boolean {
    return !room.log.deviceGone(hex(identity), device) && !(hex(identity) === this.me && device === this.ownDevice)
  }

  /**
   * Every op and kept message, root first, to a member's device that lacks the room. Our own
   * device gets the ops alone: what was sealed before its add never opens for it.
   */
  private async handWhole (connection: Connection, room: Room, member: Uint8Array): Promise<void> {
    const all = { ...answer(room, Summary.encode({ group: room.group, heads: [], chains: [] })), receipts: [] }
    await this.hand(connection, room.group, hex(member) === this.me ? { ...all, messages: [] } : all, member)
  }

  /** Wait for the hand-ons still running (stop). */
  async settled (): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }

  /**
   * Take items in; our own answers (acks, updates) and, after news, our receipt go to every member
   * we reach, and what was new to us to every member we reach but its sender.
   *
   * @returns whether a message opened
   */
  private async takeIn (group: Uint8Array, items: Pick<Items, 'ops' | 'messages'> & { receipts?: Uint8Array[] }, from: Uint8Array): Promise<boolean> {
    const receipts = await this.verified(items.receipts ?? [])
    let ours: Uint8Array[] = []
    let relay = none()
    const kept: Receipt[] = []
    await this.init.rooms.act(group, async (room, history) => {
      const before = new Set(room.log.ops().map(op => op.id))
      const changes = await room.receive(items.ops, items.messages)
      for (const m of changes.messages) this.init.onMessage?.(group, m, history)
      for (const r of receipts) if (room.keepReceipt(r)) kept.push(r)
      ours = changes.ops
      const written = new Set(ours)
      relay = {
        ops: room.log.ops().filter(op => !before.has(op.id) && !written.has(op.bytes)).map(op => op.bytes),
        messages: changes.messages.flatMap(m => room.kept.get(m.id)?.bytes ?? []),
        receipts: kept.map(r => r.bytes)
      }
    })
    for (const r of kept) await this.init.onReceipt?.(group, r)
    const room = this.init.rooms.get(group)
    if (room == null || !this.listsUs(group)) return false // not (or no longer) a member: we pass nothing on
    const news = relay.messages.length > 0
    if (!empty(relay)) this.background(this.deliver(group, relay, hex(from)))
    if (ours.length > 0 || news) this.background(this.deliver(group, { ops: ours, messages: [], receipts: news ? await this.own(room) : [] }))
    return news
  }

  /** The receipts that verify; the rest are dropped (a forwarder cannot forge one). */
  private async verified (bytes: Uint8Array[]): Promise<Receipt[]> {
    const out: Receipt[] = []
    for (const b of bytes) {
      try {
        out.push(await verifyReceipt(b, this.init.crypto))
      } catch (err: any) {
        this.init.onError?.(err)
      }
    }
    return out
  }

  /**
   * What a removed person may have from us: the ops that removed it and everything before them,
   * so it learns it is out. Nothing it sends is taken in; no message or receipt goes to it.
   */
  private removal (room: Room, who: Uint8Array, summary?: Uint8Array): Uint8Array[] {
    const ends = removalsOf(room.log, hex(who)).map(op => op.id)
    const upTo = new Set(room.log.ops().filter(op => ends.some(e => e === op.id || room.log.isBefore(op.id, e))).map(op => op.bytes))
    const candidates = summary == null ? [...upTo] : answer(room, summary).ops
    return candidates.filter(b => upTo.has(b))
  }

  /** Hand the ops that removed `who` to its devices we reach (it is no longer among the members deliver reaches). */
  async tell (group: Uint8Array, who: Uint8Array): Promise<void> {
    const room = this.init.rooms.get(group)
    if (room == null) return
    const ops = this.removal(room, who)
    await Promise.all(this.init.connectionsTo(who).map(async c => {
      for (const packet of packets(ops, [])) await this.init.exchange.exchange(c, group, packet).catch((err: Error) => this.init.onError?.(err))
    }))
  }

  /** Ours, fresh, and every other member's we hold. */
  private async receipts (room: Room): Promise<Uint8Array[]> {
    return [...await this.own(room), ...[...room.receipts.entries()].filter(([key]) => key !== this.ownReceiptKey).map(([, r]) => r.bytes)]
  }

  private async own (room: Room): Promise<Uint8Array[]> {
    return this.init.receiptOf == null ? [] : [await this.init.receiptOf(room)]
  }

  /** Hold a room from a packet that starts with its root (`receive` forgets it again unless its log then lists us). */
  private async join (group: Uint8Array, ops: Uint8Array[]): Promise<void> {
    if (ops.length === 0) throw new UnknownRoomError('we do not hold this room: send its log, root first')
    let room: Room
    try {
      room = await this.init.rooms.join(ops[0])
    } catch (err: any) {
      if (err.name === 'RoomAlreadyHeldError') return
      throw new UnknownRoomError(`we do not hold this room and its first op is not its root: ${err.message as string}`)
    }
    if (hex(room.group) !== hex(group)) {
      await this.init.rooms.forget(room.group)
      throw new UnknownRoomError('the root is of another room')
    }
  }

  private listsUs (group: Uint8Array): boolean {
    return this.init.rooms.get(group)?.listsMe() ?? false
  }

  private lists (room: Room, identity: Uint8Array | string): boolean {
    const id = typeof identity === 'string' ? identity : hex(identity)
    return room.state().members.some(m => hex(m.identity) === id)
  }

  /**
   * Hand items to every member we reach but `except`; a member that lacks the room gets its whole
   * log.
   *
   * @returns the members (identity hex) one of whose devices took everything
   */
  async deliver (group: Uint8Array, items: Items, except?: string): Promise<Set<string>> {
    const reached = new Set<string>()
    const room = this.init.rooms.get(group)
    if (room == null || empty(items)) return reached
    // every member but the one it came from; our own other devices too (they are not counted as reached)
    const members = room.state().members.map(m => m.identity).filter(id => hex(id) === this.me || hex(id) !== except)
    const count = (member: Uint8Array): void => { if (hex(member) !== this.me) reached.add(hex(member)) }
    await Promise.all(members.flatMap(member => this.init.connectionsTo(member)
      .filter(c => this.reaches(room, member, hex(c.remotePeer.toMultihash().bytes)))
      .map(async connection => {
        try {
          await this.hand(connection, group, items, member)
          count(member)
        } catch (err: any) {
          const held = this.init.rooms.get(group)
          if (err.code !== 'UNKNOWN_ROOM' || held == null) return this.init.onError?.(err)
          await this.handWhole(connection, held, member).then(() => count(member), (e: Error) => this.init.onError?.(e))
        }
      })))
    return reached
  }

  /** One packet after another (each within a frame), taking in what comes back. */
  private async hand (connection: Connection, group: Uint8Array, items: Items, member: Uint8Array): Promise<void> {
    for (const packet of packets(items.ops, items.messages, undefined, items.receipts)) {
      const got = await this.init.exchange.exchange(connection, group, packet)
      if (!empty(got)) await this.takeIn(group, got, member)
    }
  }

  private background (task: Promise<unknown>): void {
    const p: Promise<void> = task.then(() => {}, (err: Error) => this.init.onError?.(err)).finally(() => this.pending.delete(p))
    this.pending.add(p)
  }
}
