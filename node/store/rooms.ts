/**
 * Team rooms in SQLite: one row per room, its snapshot sealed at rest as session records are
 * (node/at-rest.ts; the AAD names the room, so snapshots cannot be swapped between rooms), and
 * its history in room_history, each entry sealed under an AAD naming the room and the entry and
 * written in the snapshot's transaction. The size and count limits are checked before the seal
 * and inside the writing transaction; a deleted room or swept entry is overwritten in the file
 * (secure_delete) and checkpointed out of the WAL soon after (eraseSoon), as acknowledged mail
 * and declined requests are.
 */
import { MAX_ROOM_HISTORY, MAX_ROOM_HISTORY_RECORD_BYTES, MAX_ROOM_SNAPSHOT_BYTES, MAX_ROOMS, RoomHistoryEntryTooLargeError, RoomSnapshotTooLargeError, TooManyRoomsError } from '../../protocol/index.js'
import { eraseSoon, transaction } from './sqlite.js'
import type { AtRestCipher } from '../at-rest.js'
import type { RoomHistoryEntry, RoomStore, StoredRoomHistoryEntry } from '../../protocol/index.js'
import type { DatabaseSync, StatementSync } from 'node:sqlite'

interface HistoryRow { seq: number, id: string, expires_at: number, record: Uint8Array }

export class SqliteRoomStore implements RoomStore {
  private readonly stmt: Record<string, StatementSync>

  /** @param cipher - seals snapshots and history at rest; without one they are kept in the clear (tests) */
  constructor (private readonly db: DatabaseSync, private readonly cipher?: AtRestCipher) {
    this.stmt = {
      exists: db.prepare('SELECT 1 FROM rooms WHERE group_id = ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM rooms'),
      put: db.prepare('INSERT INTO rooms (group_id, snapshot) VALUES (?, ?) ON CONFLICT (group_id) DO UPDATE SET snapshot = excluded.snapshot'),
      get: db.prepare('SELECT snapshot FROM rooms WHERE group_id = ?'),
      list: db.prepare('SELECT group_id FROM rooms ORDER BY group_id'),
      delete: db.prepare('DELETE FROM rooms WHERE group_id = ?'),
      putEntry: db.prepare('INSERT INTO room_history (group_id, id, expires_at, record) VALUES (?, ?, ?, ?) ON CONFLICT (group_id, id) DO UPDATE SET expires_at = excluded.expires_at, record = excluded.record'),
      countEntries: db.prepare('SELECT COUNT(*) AS n FROM room_history WHERE group_id = ?'),
      trimEntries: db.prepare('DELETE FROM room_history WHERE seq IN (SELECT seq FROM room_history WHERE group_id = ? ORDER BY seq LIMIT ?)'),
      entries: db.prepare('SELECT seq, id, expires_at, record FROM room_history WHERE group_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      sweep: db.prepare('DELETE FROM room_history WHERE expires_at > 0 AND expires_at <= ?'),
      nextExpiry: db.prepare('SELECT MIN(expires_at) AS t FROM room_history WHERE expires_at > 0'),
      deleteEntries: db.prepare('DELETE FROM room_history WHERE group_id = ?')
    }
  }

  async putRoom (group: Uint8Array, snapshot: Uint8Array, history: RoomHistoryEntry[] = []): Promise<void> {
    if (snapshot.byteLength > MAX_ROOM_SNAPSHOT_BYTES) throw new RoomSnapshotTooLargeError(`a room snapshot of ${snapshot.byteLength} bytes is over the ${MAX_ROOM_SNAPSHOT_BYTES}-byte limit`)
    for (const e of history) if (e.record.byteLength > MAX_ROOM_HISTORY_RECORD_BYTES) throw new RoomHistoryEntryTooLargeError(`a history entry of ${e.record.byteLength} bytes is over the ${MAX_ROOM_HISTORY_RECORD_BYTES}-byte limit`)
    const sealed = this.seal(snapshot, this.aad(group))
    const entries = history.map(e => ({ ...e, record: this.seal(e.record, this.aad(group, e.id)) }))
    let trimmed = false
    transaction(this.db, () => {
      if (this.stmt.exists.get(group) == null && Number((this.stmt.count.get() as { n: number }).n) >= MAX_ROOMS) {
        throw new TooManyRoomsError(`${MAX_ROOMS} rooms are kept already: delete one first`)
      }
      this.stmt.put.run(group, sealed)
      for (const e of entries) this.stmt.putEntry.run(group, e.id, e.expiresAt, e.record)
      if (entries.length === 0) return
      const over = Number((this.stmt.countEntries.get(group) as { n: number }).n) - MAX_ROOM_HISTORY
      if (over > 0) trimmed = Number(this.stmt.trimEntries.run(group, over).changes) > 0
    })
    if (trimmed) eraseSoon(this.db)
  }

  async getRoom (group: Uint8Array): Promise<Uint8Array | undefined> {
    const row = this.stmt.get.get(group) as { snapshot: Uint8Array } | undefined
    return row == null ? undefined : this.open(row.snapshot, this.aad(group))
  }

  async listRooms (): Promise<Uint8Array[]> {
    return (this.stmt.list.all() as Array<{ group_id: Uint8Array }>).map(r => new Uint8Array(r.group_id))
  }

  async roomHistory (group: Uint8Array, options: { afterSeq?: number, limit?: number } = {}): Promise<StoredRoomHistoryEntry[]> {
    const rows = this.stmt.entries.all(group, options.afterSeq ?? 0, options.limit ?? -1) as unknown as HistoryRow[]
    return rows.map(r => ({ seq: Number(r.seq), id: r.id, expiresAt: Number(r.expires_at), record: this.open(r.record, this.aad(group, r.id)) }))
  }

  async sweepRoomHistory (now: number): Promise<number> {
    const n = Number(this.stmt.sweep.run(now).changes)
    if (n > 0) eraseSoon(this.db)
    return n
  }

  async nextRoomHistoryExpiry (): Promise<number | undefined> {
    const t = (this.stmt.nextExpiry.get() as { t: number | null }).t
    return t == null ? undefined : Number(t)
  }

  async deleteRoom (group: Uint8Array): Promise<void> {
    const n = transaction(this.db, () => Number(this.stmt.delete.run(group).changes) + Number(this.stmt.deleteEntries.run(group).changes))
    if (n > 0) eraseSoon(this.db)
  }

  /** `room:<hex>` for the snapshot, `room:<hex>:<entry id>` for a history entry */
  private aad (group: Uint8Array, entry?: string): Uint8Array {
    return new TextEncoder().encode(`room:${Buffer.from(group).toString('hex')}${entry == null ? '' : `:${entry}`}`)
  }

  private seal (bytes: Uint8Array, aad: Uint8Array): Uint8Array {
    return this.cipher == null ? bytes : this.cipher.seal(bytes, aad)
  }

  private open (stored: Uint8Array, aad: Uint8Array): Uint8Array {
    return this.cipher == null ? new Uint8Array(stored) : this.cipher.open(stored, aad)
  }
}
