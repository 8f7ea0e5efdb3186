/**
 * Our side of group receipts (receipts.ts) in the running node: our device's own receipt for a
 * room, signed again only when what it holds or has read changed, and what a member's receipt
 * tells us of our messages (delivered to it, read by it), written to the room's history.
 */
import { toHex as hex } from '../util/bytes.js'
import { HistoryRecord, Recipient } from './pb/groups.js'
import { chainsOf, covers, signReceipt } from './receipts.js'
import { markRecipients } from './history.js'
import type { Receipt } from './receipts.js'
import type { Room } from './room.js'
import type { Rooms } from './rooms.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Identity } from '../crypto/identity.js'

export interface RoomReceiptsInit {
  rooms: Rooms
  identity: Identity
  /** our device: peer id multihash bytes (each device of a person signs its own receipt) */
  device: Uint8Array
  crypto: CryptoBackend
  now: () => number
}

export class RoomReceipts {
  private readonly signed = new Map<string, { key: string, at: number, bytes: Uint8Array }>()

  constructor (private readonly init: RoomReceiptsInit) {}

  /** Our device's receipt for a room: re-signed only when what we hold or have read changed. */
  async of (room: Room): Promise<Uint8Array> {
    const me = hex(this.init.identity.identityKey.publicKey.raw)
    const readIds = new Set((await this.init.rooms.history(room.group)).filter(e => { const r = HistoryRecord.decode(e.record); return r.outgoing || r.read }).map(e => e.id))
    const kept = [...room.kept.values()]
    const held = chainsOf(kept)
    const read = chainsOf(kept.filter(m => readIds.has(m.id)))
    const key = JSON.stringify([held, read].map(cs => cs.map(c => [hex(c.sender), hex(c.device), c.generation, c.epoch, c.ranges])))
    const cached = this.signed.get(hex(room.group))
    if (cached?.key === key) return cached.bytes
    const at = Math.max(this.init.now(), (cached?.at ?? 0) + 1, (room.receipts.get(`${me}/${hex(this.init.device)}`)?.at ?? 0) + 1)
    const r = await signReceipt(this.init.identity, { group: room.group, at, held, read }, this.init.crypto)
    this.signed.set(hex(room.group), { key, at, bytes: r.bytes })
    return r.bytes
  }

  /**
   * A member's receipt: our messages it holds are delivered to it, those it has read are read. A
   * receipt from any of a person's devices counts for the person.
   */
  async from (group: Uint8Array, r: Receipt): Promise<void> {
    const room = this.init.rooms.get(group)
    if (room == null) return
    const me = hex(this.init.identity.identityKey.publicKey.raw)
    if (hex(r.member) === me) return
    const ours = [...room.kept.values()].filter(m => hex(m.sender) === me)
    const member = new Set([hex(r.member)])
    const held = new Set(ours.filter(m => covers(r.held, m)).map(m => m.id))
    const read = new Set(ours.filter(m => covers(r.read, m)).map(m => m.id))
    if (held.size > 0) await markRecipients(this.init.rooms, group, held, member, Recipient.State.DELIVERED)
    if (read.size > 0) await markRecipients(this.init.rooms, group, read, member, Recipient.State.READ)
  }
}
