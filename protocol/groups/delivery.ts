/**
 * Team rooms on the wire: one node's `Rooms` carried over `/ferry/group/1.0.0`
 * (protocol/services/group/). Whatever an action produces goes at once to every member we have a
 * connection to; whatever arrives is taken in and passed on to the other members we reach, so a
 * message crosses a team through whichever members meet (docs/groups.md "Delivery and
 * ferrying"); and `sync` runs the anti-entropy exchange with a fellow member (our summary, its
 * answer) for every room we share, when we meet and every 20 s.
 *
 * A room we do not hold is taken only from a contact, and only when the packet starts with the
 * room's root (an exchange refused UNKNOWN_ROOM is sent again as the whole log); it is kept only
 * if its log then lists us. Who may speak for a held room is the room's log, asked before the
 * packet's body is decoded (the service calls `admit` first).
 */
import { toHex as hex } from '../util/bytes.js'
import { UnknownRoomError } from './rooms.js'
import { answer, summarize } from './ferrying.js'
import { Summary } from './pb/groups.js'
import { packets } from '../services/group/packets.js'
import type { Rooms } from './rooms.js'
import type { RoomHistoryEntry } from '../stores/stores.js'
import type { Room, RoomMessage } from './room.js'
import type { GroupAsker, GroupExchange, GroupPacket, GroupReceiver } from '../services/group/index.js'
import type { Connection } from '@libp2p/interface'

/** How often connected members run the anti-entropy exchange. */
export const SYNC_INTERVAL_MS = 20_000

export interface RoomDeliveryInit {
  rooms: Rooms
  exchange: GroupExchange
  /** open connections to a person's devices (the platform's view: contacts, and who showed us a hello) */
  connectionsTo(identity: Uint8Array): Connection[]
  /** whether a person is our contact: only a contact can bring us into a room */
  isContact(identity: Uint8Array): Promise<boolean> | boolean
  /** every message that opened, once, inside the action that opened it: entries pushed into `history` are kept with it */
  onMessage?(room: Uint8Array, message: RoomMessage, history: RoomHistoryEntry[]): void
  /** a fellow member's own summary of a room: what it holds (the sender's proof of delivery) */
  onSummary?(room: Uint8Array, summary: Uint8Array, member: Uint8Array): Promise<void>
  /** a fellow member's device proved its identity to us (a hello): where we can reach it */
  onAsker?(asker: GroupAsker): void
  /** an exchange that failed (the next sync retries) */
  onError?(error: Error): void
}

export class RoomDelivery implements GroupReceiver {
  private readonly pending = new Set<Promise<void>>()
  private readonly me: string

  constructor (private readonly init: RoomDeliveryInit, me: Uint8Array) {
    this.me = hex(me)
  }

  async admit (room: Uint8Array, from: GroupAsker): Promise<boolean> {
    this.init.onAsker?.(from)
    const held = this.init.rooms.get(room)
    if (held == null) return await this.init.isContact(from.identity)
    return held.state().members.some(m => hex(m.identity) === hex(from.identity))
  }

  async receive (room: Uint8Array, packet: GroupPacket, from: GroupAsker): Promise<{ ops: Uint8Array[], messages: Uint8Array[] } | undefined> {
    const joining = this.init.rooms.get(room) == null
    if (joining) await this.join(room, packet.ops)
    await this.takeIn(room, packet.ops, packet.messages, from.identity)
    if (joining && !this.listsUs(room)) {
      await this.init.rooms.forget(room)
      throw new UnknownRoomError('the room does not list us')
    }
    const held = this.init.rooms.get(room)
    if (packet.summary == null || held == null) return undefined
    await this.init.onSummary?.(room, packet.summary, from.identity)
    return answer(held, packet.summary)
  }

  /**
   * Run an action on a room (Rooms.act) and hand what it produced to every member we reach.
   *
   * @returns what the action returned, and the members (identity hex) whose node took it all
   */
  async act<T extends { ops: Uint8Array[], messages?: Uint8Array[] }>(room: Uint8Array, fn: (room: Room, history: RoomHistoryEntry[]) => Promise<T>): Promise<{ result: T, reached: Set<string> }> {
    const result = await this.init.rooms.act(room, fn)
    return { result, reached: await this.deliver(room, result.ops, result.messages ?? []) }
  }

  /** Anti-entropy with one connected member: for every room we share, our summary for what it holds that we lack. */
  async sync (connection: Connection, identity: Uint8Array): Promise<void> {
    for (const room of this.init.rooms.list()) {
      if (!room.state().members.some(m => hex(m.identity) === hex(identity))) continue
      try {
        const got = await this.init.exchange.exchange(connection, room.group, { summary: summarize(room) })
        if (got.ops.length === 0 && got.messages.length === 0) continue
        await this.takeIn(room.group, got.ops, got.messages, identity)
        // what we hold now, once more: the member learns we have its messages (its delivery proof)
        const now = this.init.rooms.get(room.group)
        if (now != null) await this.init.exchange.exchange(connection, room.group, { summary: summarize(now) })
      } catch (err: any) {
        this.init.onError?.(err)
      }
    }
  }

  /** Wait for the hand-ons still running (stop). */
  async settled (): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }

  /**
   * Take bytes in; our own answers (acks, updates) go to every member we reach, and what was new
   * to us to every member we reach but its sender.
   */
  private async takeIn (group: Uint8Array, ops: Uint8Array[], messages: Uint8Array[], from: Uint8Array): Promise<void> {
    let ours: Uint8Array[] = []
    let relay: { ops: Uint8Array[], messages: Uint8Array[] } = { ops: [], messages: [] }
    await this.init.rooms.act(group, async (room, history) => {
      const before = new Set(room.log.ops().map(op => op.id))
      const changes = await room.receive(ops, messages)
      for (const m of changes.messages) this.init.onMessage?.(group, m, history)
      ours = changes.ops
      const written = new Set(ours)
      relay = {
        ops: room.log.ops().filter(op => !before.has(op.id) && !written.has(op.bytes)).map(op => op.bytes),
        messages: changes.messages.flatMap(m => room.kept.get(m.id)?.bytes ?? [])
      }
    })
    if (!this.listsUs(group)) return // not (or no longer) a member: we pass nothing on
    if (relay.ops.length > 0 || relay.messages.length > 0) this.background(this.deliver(group, relay.ops, relay.messages, hex(from)))
    if (ours.length > 0) this.background(this.deliver(group, ours, []))
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
    return this.init.rooms.get(group)?.state().members.some(m => hex(m.identity) === this.me) === true
  }

  /**
   * Hand ops and messages to every member we reach but `except`; a member that lacks the room gets
   * its whole log.
   *
   * @returns the members (identity hex) one of whose devices took everything
   */
  async deliver (group: Uint8Array, ops: Uint8Array[], messages: Uint8Array[], except?: string): Promise<Set<string>> {
    const reached = new Set<string>()
    const room = this.init.rooms.get(group)
    if (room == null) return reached
    const members = room.state().members.map(m => m.identity).filter(id => hex(id) !== this.me && hex(id) !== except)
    await Promise.all(members.flatMap(member => this.init.connectionsTo(member).map(async connection => {
      try {
        await this.hand(connection, group, ops, messages, member)
        reached.add(hex(member))
      } catch (err: any) {
        if (err.code !== 'UNKNOWN_ROOM') return this.init.onError?.(err)
        const held = this.init.rooms.get(group)
        if (held == null) return
        const all = answer(held, Summary.encode({ group, heads: [], chains: [] }))
        await this.hand(connection, group, all.ops, all.messages, member).then(() => reached.add(hex(member)), (e: Error) => this.init.onError?.(e))
      }
    })))
    return reached
  }

  /** One packet after another (each within a frame), taking in what comes back. */
  private async hand (connection: Connection, group: Uint8Array, ops: Uint8Array[], messages: Uint8Array[], member: Uint8Array): Promise<void> {
    for (const packet of packets(ops, messages)) {
      const got = await this.init.exchange.exchange(connection, group, packet)
      if (got.ops.length > 0 || got.messages.length > 0) await this.takeIn(group, got.ops, got.messages, member)
    }
  }

  private background (task: Promise<unknown>): void {
    const p: Promise<void> = task.then(() => {}, (err: Error) => this.init.onError?.(err)).finally(() => this.pending.delete(p))
    this.pending.add(p)
  }
}
