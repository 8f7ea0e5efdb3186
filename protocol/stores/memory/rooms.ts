/** An in-memory RoomStore (protocol/stores/stores.ts) for tests and simulation: same contract, not durable. */
import { MAX_ROOM_HISTORY, MAX_ROOM_HISTORY_RECORD_BYTES, MAX_ROOM_SNAPSHOT_BYTES, MAX_ROOMS } from '../../constants.js'
import { RoomHistoryEntryTooLargeError, RoomSnapshotTooLargeError, TooManyRoomsError } from '../../errors.js'
import type { RoomHistoryEntry, RoomStore, StoredRoomHistoryEntry } from '../stores.js'

const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')
const fromHex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], h => parseInt(h, 16))
const copy = (e: StoredRoomHistoryEntry): StoredRoomHistoryEntry => ({ ...e, record: e.record.slice() })

export class MemoryRoomStore implements RoomStore {
  /** hex group id -> the store's own copy of the snapshot */
  private readonly rooms = new Map<string, Uint8Array>()
  /** hex group id -> entry id -> entry (a Map keeps insertion order, which is seq order) */
  private readonly history = new Map<string, Map<string, StoredRoomHistoryEntry>>()
  private seq = 0

  async putRoom (group: Uint8Array, snapshot: Uint8Array, history: RoomHistoryEntry[] = []): Promise<void> {
    if (snapshot.byteLength > MAX_ROOM_SNAPSHOT_BYTES) throw new RoomSnapshotTooLargeError(`a room snapshot of ${snapshot.byteLength} bytes is over the ${MAX_ROOM_SNAPSHOT_BYTES}-byte limit`)
    for (const e of history) if (e.record.byteLength > MAX_ROOM_HISTORY_RECORD_BYTES) throw new RoomHistoryEntryTooLargeError(`a history entry of ${e.record.byteLength} bytes is over the ${MAX_ROOM_HISTORY_RECORD_BYTES}-byte limit`)
    const key = hex(group)
    if (!this.rooms.has(key) && this.rooms.size >= MAX_ROOMS) throw new TooManyRoomsError(`${MAX_ROOMS} rooms are kept already: delete one first`)
    this.rooms.set(key, snapshot.slice())
    let entries = this.history.get(key)
    if (entries == null) this.history.set(key, entries = new Map())
    for (const e of history) {
      const seq = entries.get(e.id)?.seq ?? ++this.seq
      entries.set(e.id, { id: e.id, expiresAt: e.expiresAt, record: e.record.slice(), seq })
    }
    if (entries.size > MAX_ROOM_HISTORY) {
      const oldest = [...entries.values()].sort((a, b) => a.seq - b.seq).slice(0, entries.size - MAX_ROOM_HISTORY)
      for (const e of oldest) entries.delete(e.id)
    }
  }

  async getRoom (group: Uint8Array): Promise<Uint8Array | undefined> {
    return this.rooms.get(hex(group))?.slice()
  }

  async listRooms (): Promise<Uint8Array[]> {
    return [...this.rooms.keys()].sort().map(fromHex) // hex order is byte order
  }

  async roomHistory (group: Uint8Array, options: { afterSeq?: number, limit?: number } = {}): Promise<StoredRoomHistoryEntry[]> {
    const after = options.afterSeq ?? 0
    const all = [...this.history.get(hex(group))?.values() ?? []].filter(e => e.seq > after).sort((a, b) => a.seq - b.seq)
    return all.slice(0, options.limit ?? all.length).map(copy)
  }

  async sweepRoomHistory (now: number): Promise<number> {
    let n = 0
    for (const entries of this.history.values()) {
      for (const [id, e] of entries) {
        if (e.expiresAt !== 0 && e.expiresAt <= now) {
          e.record.fill(0)
          entries.delete(id)
          n++
        }
      }
    }
    return n
  }

  async nextRoomHistoryExpiry (): Promise<number | undefined> {
    let next: number | undefined
    for (const entries of this.history.values()) for (const e of entries.values()) if (e.expiresAt !== 0 && (next == null || e.expiresAt < next)) next = e.expiresAt
    return next
  }

  async deleteRoom (group: Uint8Array): Promise<void> {
    this.rooms.get(hex(group))?.fill(0)
    this.rooms.delete(hex(group))
    for (const e of this.history.get(hex(group))?.values() ?? []) e.record.fill(0)
    this.history.delete(hex(group))
  }
}
