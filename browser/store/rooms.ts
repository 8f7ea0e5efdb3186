/**
 * Team rooms in IndexedDB; the reference behaviour is node/store/rooms.ts. One record per room,
 * keyed by the group id in hex (hex order is byte order), its snapshot sealed at rest
 * (browser/store/at-rest.ts) before the transaction opens and bound to the room's record, as
 * session records are; its history in `roomHistory`, each entry sealed and bound to its room and
 * id, written in the snapshot's transaction. The count limit is checked inside the writing
 * transaction, so two tabs cannot both add the last room. IndexedDB has no secure_delete: a
 * deleted room is gone from every read at once, and its (sealed) bytes leave the browser's files
 * when the backing store compacts, as deleted mail does (browser/store/mailbox.ts).
 */
import { MAX_ROOM_HISTORY, MAX_ROOM_HISTORY_RECORD_BYTES, MAX_ROOM_SNAPSHOT_BYTES, MAX_ROOMS } from '../../protocol/constants.js'
import { RoomHistoryEntryTooLargeError, RoomSnapshotTooLargeError, TooManyRoomsError } from '../../protocol/errors.js'
import { fromHex, toHex } from '../../protocol/util/bytes.js'
import { prefixRange, request, STORES, walk } from './idb.js'
import { recordName } from './at-rest.js'
import type { Database } from './idb.js'
import type { AtRestKey } from './at-rest.js'
import type { RoomHistoryEntry, RoomStore, StoredRoomHistoryEntry } from '../../protocol/stores/stores.js'

const ROOMS = STORES.rooms
const HISTORY = STORES.roomHistory

/** A room as stored: its sealed snapshot. */
interface RoomRow { group: string, snapshot: Uint8Array }
/** A history entry as stored; `expiry` (the expiry index) only when it expires. */
interface HistoryRow { seq?: number, group: string, id: string, expiresAt: number, record: Uint8Array, expiry?: number }

const roomName = (group: string): string => recordName(ROOMS, group)
const entryName = (group: string, id: string): string => recordName(HISTORY, group, id)

/** RoomStore on IndexedDB. */
export class IdbRoomStore implements RoomStore {
  constructor (private readonly db: Database, private readonly key: AtRestKey) {}

  async putRoom (group: Uint8Array, snapshot: Uint8Array, history: RoomHistoryEntry[] = []): Promise<void> {
    if (snapshot.byteLength > MAX_ROOM_SNAPSHOT_BYTES) throw new RoomSnapshotTooLargeError(`a room snapshot of ${snapshot.byteLength} bytes is over the ${MAX_ROOM_SNAPSHOT_BYTES}-byte limit`)
    for (const e of history) if (e.record.byteLength > MAX_ROOM_HISTORY_RECORD_BYTES) throw new RoomHistoryEntryTooLargeError(`a history entry of ${e.record.byteLength} bytes is over the ${MAX_ROOM_HISTORY_RECORD_BYTES}-byte limit`)
    const id = toHex(group)
    const row: RoomRow = { group: id, snapshot: await this.key.seal(snapshot, roomName(id)) }
    const entries: HistoryRow[] = await Promise.all(history.map(async e => ({
      group: id,
      id: e.id,
      expiresAt: e.expiresAt,
      record: await this.key.seal(e.record, entryName(id, e.id)),
      ...(e.expiresAt !== 0 && { expiry: e.expiresAt })
    })))
    await this.db.write([ROOMS, HISTORY], async tx => {
      const rooms = tx.objectStore(ROOMS)
      if (await request(rooms.count(id)) === 0 && await request(rooms.count()) >= MAX_ROOMS) {
        throw new TooManyRoomsError(`${MAX_ROOMS} rooms are kept already: delete one first`)
      }
      rooms.put(row)
      const store = tx.objectStore(HISTORY)
      for (const e of entries) {
        const kept = await request<HistoryRow | undefined>(store.index('groupId').get([id, e.id]))
        store.put(kept?.seq == null ? e : { ...e, seq: kept.seq })
      }
      if (entries.length === 0) return
      let over = await request(store.index('groupSeq').count(prefixRange(id))) - MAX_ROOM_HISTORY
      if (over > 0) await walk(store.index('groupSeq').openCursor(prefixRange(id)), cursor => { cursor.delete(); return --over > 0 })
    })
  }

  async getRoom (group: Uint8Array): Promise<Uint8Array | undefined> {
    const id = toHex(group)
    const row = await this.db.read([ROOMS], async tx => request<RoomRow | undefined>(tx.objectStore(ROOMS).get(id)))
    return row == null ? undefined : this.key.open(row.snapshot, roomName(id))
  }

  async listRooms (): Promise<Uint8Array[]> {
    const ids = await this.db.read([ROOMS], async tx => request(tx.objectStore(ROOMS).getAllKeys()))
    return ids.map(id => fromHex(id as string))
  }

  async roomHistory (group: Uint8Array, options: { afterSeq?: number, limit?: number } = {}): Promise<StoredRoomHistoryEntry[]> {
    const id = toHex(group)
    const range = IDBKeyRange.bound([id, options.afterSeq ?? 0], [id, []], true)
    const rows = await this.db.read([HISTORY], async tx => request<HistoryRow[]>(tx.objectStore(HISTORY).index('groupSeq').getAll(range, options.limit)))
    return await Promise.all(rows.map(async r => ({ seq: r.seq as number, id: r.id, expiresAt: r.expiresAt, record: await this.key.open(r.record, entryName(id, r.id)) })))
  }

  async sweepRoomHistory (now: number): Promise<number> {
    let n = 0
    await this.db.write([HISTORY], async tx => {
      await walk(tx.objectStore(HISTORY).index('expiry').openCursor(IDBKeyRange.upperBound(now)), cursor => { cursor.delete(); n++ })
    })
    return n
  }

  async nextRoomHistoryExpiry (): Promise<number | undefined> {
    return await this.db.read([HISTORY], async tx => (await request(tx.objectStore(HISTORY).index('expiry').openKeyCursor()))?.key as number | undefined)
  }

  async deleteRoom (group: Uint8Array): Promise<void> {
    const id = toHex(group)
    await this.db.write([ROOMS, HISTORY], async tx => {
      tx.objectStore(ROOMS).delete(id)
      await walk(tx.objectStore(HISTORY).index('groupSeq').openCursor(prefixRange(id)), cursor => { cursor.delete() })
    })
  }
}
