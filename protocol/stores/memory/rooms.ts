/** An in-memory RoomStore (protocol/stores/stores.ts) for tests and simulation: same contract, not durable. */
import { MAX_ROOM_SNAPSHOT_BYTES, MAX_ROOMS } from '../../constants.js'
import { RoomSnapshotTooLargeError, TooManyRoomsError } from '../../errors.js'
import type { RoomStore } from '../stores.js'

const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')
const fromHex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], h => parseInt(h, 16))

export class MemoryRoomStore implements RoomStore {
  /** hex group id -> the store's own copy of the snapshot */
  private readonly rooms = new Map<string, Uint8Array>()

  async putRoom (group: Uint8Array, snapshot: Uint8Array): Promise<void> {
    if (snapshot.byteLength > MAX_ROOM_SNAPSHOT_BYTES) throw new RoomSnapshotTooLargeError(`a room snapshot of ${snapshot.byteLength} bytes is over the ${MAX_ROOM_SNAPSHOT_BYTES}-byte limit`)
    const key = hex(group)
    if (!this.rooms.has(key) && this.rooms.size >= MAX_ROOMS) throw new TooManyRoomsError(`${MAX_ROOMS} rooms are kept already: delete one first`)
    this.rooms.set(key, snapshot.slice())
  }

  async getRoom (group: Uint8Array): Promise<Uint8Array | undefined> {
    return this.rooms.get(hex(group))?.slice()
  }

  async listRooms (): Promise<Uint8Array[]> {
    return [...this.rooms.keys()].sort().map(fromHex) // hex order is byte order
  }

  async deleteRoom (group: Uint8Array): Promise<void> {
    this.rooms.get(hex(group))?.fill(0)
    this.rooms.delete(hex(group))
  }
}
