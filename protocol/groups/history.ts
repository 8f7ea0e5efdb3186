/**
 * A room's history as the user sees it (protocol/groups/groups.ts keeps it in the RoomStore): one
 * HistoryRecord per message sent or opened, with each recipient's state for our own.
 */
import { toHex as hex } from '../util/bytes.js'
import { identityToString } from '../crypto/identity.js'
import { HistoryRecord, Recipient } from './pb/groups.js'
import { decodeRoomContent } from './room-content.js'
import type { RoomMessage } from './room.js'
import type { FileView } from '../files/types.js'
import type { Rooms } from './rooms.js'
import type { RoomHistoryEntry } from '../stores/stores.js'

/** One message of a room's history. */
export interface GroupMessage {
  seq: number
  id: string
  group: string
  direction: 'in' | 'out'
  /** the sender's identity string, and its contact name if any */
  sender: string
  senderName?: string
  text: string
  sentAt: number
  receivedAt: number
  expiresAt: number
  read: boolean
  /** outgoing: sent from another of our devices (its recipients' states are on that device) */
  elsewhere?: boolean
  /** outgoing: how many members it was sealed for, and how far it got with them */
  recipients?: { total: number, stored: number, delivered: number, read: number }
  /** outgoing: each member it was sealed for (identity string) and how far it got with that one */
  members?: Array<{ identity: string, state: 'queued' | 'stored' | 'delivered' | 'read' }>
  /** a file message: the file (protocol/files/) */
  file?: FileView
}

const STATE_NAMES: Record<Recipient.State, 'queued' | 'stored' | 'delivered' | 'read'> = {
  [Recipient.State.QUEUED]: 'queued', [Recipient.State.STORED]: 'stored', [Recipient.State.DELIVERED]: 'delivered', [Recipient.State.READ]: 'read'
}

/** The states in the order a recipient moves through them. */
const STATE_ORDER = [Recipient.State.QUEUED, Recipient.State.STORED, Recipient.State.DELIVERED, Recipient.State.READ]
/** A state's place in that order (0 queued … 3 read). */
export const rank = (s: Recipient.State): number => STATE_ORDER.indexOf(s)

/** A record as the store keeps it (it expires with the message). */
export function historyEntry (id: string, record: HistoryRecord): RoomHistoryEntry {
  return { id, expiresAt: record.expiresAt, record: HistoryRecord.encode(record) }
}

/**
 * The entry of a message that opened for us; one that another of our own devices sent (`me` is
 * our identity) is ours, outgoing and read, as the conversation shows it on every device.
 */
export function incomingEntry (m: RoomMessage, receivedAt: number, me?: Uint8Array): RoomHistoryEntry {
  const ours = me != null && hex(m.sender) === hex(me)
  const content = decodeRoomContent(m.plaintext)
  return historyEntry(m.id, { sender: m.sender, outgoing: ours, elsewhere: ours, text: content.text, sentAt: m.sentAt, receivedAt, expiresAt: m.expiresAt, read: ours, recipients: [], file: content.file ?? new Uint8Array(0) })
}

/** Move `members` forward (never back) to `state`. @returns whether anything changed */
export function advance (record: HistoryRecord, members: Set<string>, state: Recipient.State): boolean {
  if (!record.outgoing || !record.recipients.some(r => members.has(hex(r.member)) && rank(r.state) < rank(state))) return false
  record.recipients = record.recipients.map(r => members.has(hex(r.member)) && rank(r.state) < rank(state) ? { ...r, state } : r)
  return true
}

/** What the API shows of an entry; `names` maps identity hex to contact names. */
export function messageView (group: Uint8Array, e: { seq: number, id: string, record: Uint8Array }, names = new Map<string, string>()): GroupMessage {
  const r = HistoryRecord.decode(e.record)
  const count = (s: Recipient.State): number => r.recipients.filter(x => rank(x.state) >= rank(s)).length
  return {
    seq: e.seq,
    id: e.id,
    group: hex(group),
    direction: r.outgoing ? 'out' : 'in',
    sender: identityToString(r.sender),
    ...(names.has(hex(r.sender)) && { senderName: names.get(hex(r.sender)) }),
    text: r.text,
    sentAt: r.sentAt,
    receivedAt: r.receivedAt,
    expiresAt: r.expiresAt,
    read: r.read,
    ...(r.elsewhere && { elsewhere: true }),
    ...(r.outgoing && {
      recipients: { total: r.recipients.length, stored: count(Recipient.State.STORED), delivered: count(Recipient.State.DELIVERED), read: count(Recipient.State.READ) },
      members: r.recipients.map(x => ({ identity: identityToString(x.member), state: STATE_NAMES[x.state] }))
    })
  }
}

/** Move these members forward (never back) to `state` on our messages `ids` in a room's history; writes only what changed. */
export async function markRecipients (rooms: Rooms, group: Uint8Array, ids: Set<string>, members: Set<string>, state: Recipient.State): Promise<void> {
  await rooms.act(group, async (_room, history) => {
    for (const e of await rooms.history(group)) {
      if (!ids.has(e.id)) continue
      const record = HistoryRecord.decode(e.record)
      if (advance(record, members, state)) history.push(historyEntry(e.id, record))
    }
  })
}
