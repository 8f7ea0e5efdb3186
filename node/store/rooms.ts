/**
 * Team rooms in SQLite: one row per room, its snapshot sealed at rest as session records are
 * (node/at-rest.ts; the AAD names the room, so snapshots cannot be swapped between rooms). The
 * size and count limits are checked before the seal and inside the writing transaction; a
 * deleted room is overwritten in the file (secure_delete) and checkpointed out of the WAL soon
 * after (eraseSoon), as acknowledged mail and declined requests are.
 */
import { MAX_ROOM_SNAPSHOT_BYTES, MAX_ROOMS, RoomSnapshotTooLargeError, TooManyRoomsError } from '../../protocol/index.js'
import { eraseSoon, transaction } from './sqlite.js'
import type { AtRestCipher } from '../at-rest.js'
import type { RoomStore } from '../../protocol/index.js'
import type { DatabaseSync, StatementSync } from 'node:sqlite'

export class SqliteRoomStore implements RoomStore {
  private readonly stmt: Record<string, StatementSync>

  /** @param cipher - seals snapshots at rest; without one they are kept in the clear (tests) */
  constructor (private readonly db: DatabaseSync, private readonly cipher?: AtRestCipher) {
    this.stmt = {
      exists: db.prepare('SELECT 1 FROM rooms WHERE group_id = ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM rooms'),
      put: db.prepare('INSERT INTO rooms (group_id, snapshot) VALUES (?, ?) ON CONFLICT (group_id) DO UPDATE SET snapshot = excluded.snapshot'),
      get: db.prepare('SELECT snapshot FROM rooms WHERE group_id = ?'),
      list: db.prepare('SELECT group_id FROM rooms ORDER BY group_id'),
      delete: db.prepare('DELETE FROM rooms WHERE group_id = ?')
    }
  }

  async putRoom (group: Uint8Array, snapshot: Uint8Array): Promise<void> {
    if (snapshot.byteLength > MAX_ROOM_SNAPSHOT_BYTES) throw new RoomSnapshotTooLargeError(`a room snapshot of ${snapshot.byteLength} bytes is over the ${MAX_ROOM_SNAPSHOT_BYTES}-byte limit`)
    const sealed = this.seal(snapshot, group)
    transaction(this.db, () => {
      if (this.stmt.exists.get(group) == null && Number((this.stmt.count.get() as { n: number }).n) >= MAX_ROOMS) {
        throw new TooManyRoomsError(`${MAX_ROOMS} rooms are kept already: delete one first`)
      }
      this.stmt.put.run(group, sealed)
    })
  }

  async getRoom (group: Uint8Array): Promise<Uint8Array | undefined> {
    const row = this.stmt.get.get(group) as { snapshot: Uint8Array } | undefined
    return row == null ? undefined : this.open(row.snapshot, group)
  }

  async listRooms (): Promise<Uint8Array[]> {
    return (this.stmt.list.all() as Array<{ group_id: Uint8Array }>).map(r => new Uint8Array(r.group_id))
  }

  async deleteRoom (group: Uint8Array): Promise<void> {
    if (Number(this.stmt.delete.run(group).changes) > 0) eraseSoon(this.db)
  }

  private aad (group: Uint8Array): Uint8Array {
    return new TextEncoder().encode(`room:${Buffer.from(group).toString('hex')}`)
  }

  private seal (snapshot: Uint8Array, group: Uint8Array): Uint8Array {
    return this.cipher == null ? snapshot : this.cipher.seal(snapshot, this.aad(group))
  }

  private open (stored: Uint8Array, group: Uint8Array): Uint8Array {
    return this.cipher == null ? new Uint8Array(stored) : this.cipher.open(stored, this.aad(group))
  }
}
