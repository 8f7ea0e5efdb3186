/**
 * Team rooms in IndexedDB; the reference behaviour is node/store/rooms.ts. One record per room,
 * keyed by the group id in hex (hex order is byte order), its snapshot sealed at rest
 * (browser/store/at-rest.ts) before the transaction opens and bound to the room's record, as
 * session records are. The count limit is checked inside the writing transaction, so two tabs
 * cannot both add the last room. IndexedDB has no secure_delete: a deleted room is gone from every
 * read at once, and its (sealed) bytes leave the browser's files when the backing store compacts,
 * as deleted mail does (browser/store/mailbox.ts).
 */
import { MAX_ROOM_SNAPSHOT_BYTES, MAX_ROOMS } from '../../protocol/constants.js'
import { RoomSnapshotTooLargeError, TooManyRoomsError } from '../../protocol/errors.js'
import { fromHex, toHex } from '../../protocol/util/bytes.js'
import { request, STORES } from './idb.js'
import { recordName } from './at-rest.js'
import type { Database } from './idb.js'
import type { AtRestKey } from './at-rest.js'
import type { RoomStore } from '../../protocol/stores/stores.js'

const ROOMS = STORES.rooms

/** A room as stored: its sealed snapshot. */
interface RoomRow { group: string, snapshot: Uint8Array }

const roomName = (group: string): string => recordName(ROOMS, group)

/** RoomStore on IndexedDB. */
export class IdbRoomStore implements RoomStore {
  constructor (private readonly db: Database, private readonly key: AtRestKey) {}

  async putRoom (group: Uint8Array, snapshot: Uint8Array): Promise<void> {
    if (snapshot.byteLength > MAX_ROOM_SNAPSHOT_BYTES) throw new RoomSnapshotTooLargeError(`a room snapshot of ${snapshot.byteLength} bytes is over the ${MAX_ROOM_SNAPSHOT_BYTES}-byte limit`)
    const id = toHex(group)
    const row: RoomRow = { group: id, snapshot: await this.key.seal(snapshot, roomName(id)) }
    await this.db.write([ROOMS], async tx => {
      const rooms = tx.objectStore(ROOMS)
      if (await request(rooms.count(id)) === 0 && await request(rooms.count()) >= MAX_ROOMS) {
        throw new TooManyRoomsError(`${MAX_ROOMS} rooms are kept already: delete one first`)
      }
      rooms.put(row)
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

  async deleteRoom (group: Uint8Array): Promise<void> {
    await this.db.write([ROOMS], tx => { tx.objectStore(ROOMS).delete(toHex(group)) })
  }
}
