/** The RoomStore interface (team rooms at rest); stores.ts re-exports it with every other store. */

/**
 * Team rooms at rest: the latest snapshot of each room this node is in (`Room.snapshot()` in
 * protocol/groups/room.ts, read back with `Room.restore`), by group id. A snapshot holds the
 * room's group keys: every platform seals it at rest, as it seals ratchet sessions. Bounded: a
 * snapshot of at most MAX_ROOM_SNAPSHOT_BYTES, at most MAX_ROOMS rooms (protocol/constants.ts).
 * protocol/groups/rooms.ts (`Rooms`) keeps its rooms here.
 *
 * Each room also has a history: entries (the messages it sent and opened, with their delivery
 * state) written in the same transaction as the snapshot whose key state opened them, so a
 * message is never consumed from the keys without being kept, nor kept without its keys moving
 * on. The store seals each entry and does not read it; it orders entries by `seq` and deletes
 * them at their `expiresAt`.
 */
export interface RoomStore {
  /**
   * Keep `snapshot` as the room's state, replacing the one kept, and write `history` (each entry
   * inserted, or replaced by id keeping its seq), all or nothing: a reader sees the old snapshot
   * and history or the new ones. Checked before anything is written. Past MAX_ROOM_HISTORY
   * entries the room's oldest are dropped.
   *
   * @throws RoomSnapshotTooLargeError when the snapshot is over MAX_ROOM_SNAPSHOT_BYTES
   * @throws RoomHistoryEntryTooLargeError when an entry's record is over MAX_ROOM_HISTORY_RECORD_BYTES
   * @throws TooManyRoomsError when the room is new and MAX_ROOMS rooms are kept already
   */
  putRoom(group: Uint8Array, snapshot: Uint8Array, history?: RoomHistoryEntry[]): Promise<void>
  /** the room's history after `afterSeq` (default: from the start), in seq order, at most `limit` (default all) */
  roomHistory(group: Uint8Array, options?: { afterSeq?: number, limit?: number }): Promise<StoredRoomHistoryEntry[]>
  /** delete every history entry whose expiresAt (not 0) is at or before `now`; @returns how many */
  sweepRoomHistory(now: number): Promise<number>
  /** the earliest expiresAt (not 0) of any history entry kept */
  nextRoomHistoryExpiry(): Promise<number | undefined>
  /** the room's latest snapshot, if one is kept (a copy) */
  getRoom(group: Uint8Array): Promise<Uint8Array | undefined>
  /** the group id of every room kept, in byte order */
  listRooms(): Promise<Uint8Array[]>
  /** Forget the room: its snapshot and history are erased as deleted mail is (nothing happens if none is kept). */
  deleteRoom(group: Uint8Array): Promise<void>
}

/** One entry of a room's history: opaque to the store (protocol/groups/ encodes it). */
export interface RoomHistoryEntry {
  /** unique within the room (a message id) */
  id: string
  /** ms since the epoch; 0 = kept until the room is forgotten */
  expiresAt: number
  record: Uint8Array
}

/** An entry as kept: `seq` rises with each new entry, across rooms, and stays when an entry is replaced. */
export interface StoredRoomHistoryEntry extends RoomHistoryEntry {
  seq: number
}
