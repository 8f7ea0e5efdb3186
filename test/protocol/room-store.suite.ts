/**
 * The RoomStore compliance suite: the behaviours every implementation must show, run against the
 * in-memory store (test/protocol/room-store.spec.ts), SQLite plain and sealed
 * (test/node/room-store-sqlite.spec.ts) and IndexedDB in Chromium (test/browser/stores.spec.ts).
 * Only the assert methods equal, deepEqual, ok, rejects and notEqual are used: the browser shim
 * has exactly those. Snapshots are fixed bytes: the store keeps them, it does not read them.
 */
import assert from 'node:assert/strict'
import { MAX_ROOM_HISTORY, MAX_ROOM_HISTORY_RECORD_BYTES, MAX_ROOM_SNAPSHOT_BYTES, MAX_ROOMS } from '../../protocol/constants.js'
import { RoomHistoryEntryTooLargeError, RoomSnapshotTooLargeError, TooManyRoomsError } from '../../protocol/errors.js'
import type { RoomHistoryEntry, RoomStore, StoredRoomHistoryEntry } from '../../protocol/stores/stores.js'

/** History entry `id` with a record of `fill` bytes. */
function entry (id: string, fill: number, expiresAt = 0, size = 40): RoomHistoryEntry {
  return { id, expiresAt, record: Uint8Array.from({ length: size }, (_, i) => (fill + i) & 0xff) }
}

/** What the entries are, without their seqs (checked apart). */
const plain = (es: StoredRoomHistoryEntry[]): RoomHistoryEntry[] => es.map(e => ({ id: e.id, expiresAt: e.expiresAt, record: e.record }))

/** Group id number `n` (32 bytes, as protocol/groups makes them): ids sort as their numbers do. */
export function groupId (n: number): Uint8Array {
  const id = new Uint8Array(32).fill(0xa5)
  id[0] = n >> 8
  id[1] = n & 0xff
  return id
}

/** A snapshot of `size` bytes that differs at every position from one of another `fill`. */
export function snapshot (fill: number, size = 1000): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (fill + i) & 0xff)
}

/** Byte arrays with the same content, compared without printing megabytes on a failure. */
function same (a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a == null || a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Define the compliance tests for one implementation.
 *
 * @param name - what the describe block is called
 * @param make - a fresh, empty store for each test
 */
export function roomStoreCompliance (name: string, make: () => Promise<RoomStore> | RoomStore): void {
  describe(`${name} RoomStore (compliance)`, () => {
    let store: RoomStore

    beforeEach(async () => {
      store = await make()
    })

    it('keeps no room at first, then gives back the snapshot put, as a copy of its own', async () => {
      assert.equal(await store.getRoom(groupId(1)), undefined)
      assert.deepEqual(await store.listRooms(), [])
      const put = snapshot(1)
      await store.putRoom(groupId(1), put)
      assert.deepEqual(await store.getRoom(groupId(1)), snapshot(1))
      put.fill(0)
      const got = await store.getRoom(groupId(1))
      assert.deepEqual(got, snapshot(1), 'changing the bytes put changes nothing kept')
      got?.fill(0)
      assert.deepEqual(await store.getRoom(groupId(1)), snapshot(1), 'changing the bytes got changes nothing kept')
      assert.equal(await store.getRoom(groupId(2)), undefined, 'another group has nothing')
    })

    it('replaces a room\'s snapshot with the next one put, keeping one room', async () => {
      await store.putRoom(groupId(1), snapshot(1, 5000))
      await store.putRoom(groupId(1), snapshot(2, 300))
      assert.deepEqual(await store.getRoom(groupId(1)), snapshot(2, 300))
      assert.deepEqual(await store.listRooms(), [groupId(1)])
      await store.putRoom(groupId(1), new Uint8Array(0))
      assert.deepEqual(await store.getRoom(groupId(1)), new Uint8Array(0), 'an empty snapshot is a snapshot')
    })

    it('lists every room\'s group id, in byte order, whatever order they were put in', async () => {
      for (const n of [3, 1, 258, 2]) await store.putRoom(groupId(n), snapshot(n))
      assert.deepEqual(await store.listRooms(), [groupId(1), groupId(2), groupId(3), groupId(258)])
      for (const n of [1, 2, 3, 258]) assert.deepEqual(await store.getRoom(groupId(n)), snapshot(n), `room ${n} keeps its own snapshot`)
    })

    it('deletes a room and only that room; deleting a room not kept changes nothing', async () => {
      await store.putRoom(groupId(1), snapshot(1))
      await store.putRoom(groupId(2), snapshot(2))
      await store.deleteRoom(groupId(1))
      assert.equal(await store.getRoom(groupId(1)), undefined)
      assert.deepEqual(await store.listRooms(), [groupId(2)])
      await store.deleteRoom(groupId(1))
      await store.deleteRoom(groupId(9))
      assert.deepEqual(await store.getRoom(groupId(2)), snapshot(2))
      await store.putRoom(groupId(1), snapshot(7))
      assert.deepEqual(await store.getRoom(groupId(1)), snapshot(7), 'a deleted room can be kept again')
    })

    it(`keeps a snapshot of ${MAX_ROOM_SNAPSHOT_BYTES} bytes and refuses one byte more, keeping what it had`, async () => {
      const largest = snapshot(3, MAX_ROOM_SNAPSHOT_BYTES)
      await store.putRoom(groupId(1), largest)
      assert.ok(same(await store.getRoom(groupId(1)), largest), 'the largest snapshot comes back whole')

      await assert.rejects(store.putRoom(groupId(1), new Uint8Array(MAX_ROOM_SNAPSHOT_BYTES + 1)), RoomSnapshotTooLargeError)
      assert.ok(same(await store.getRoom(groupId(1)), largest), 'a refused replacement leaves the room as it was')
      await assert.rejects(store.putRoom(groupId(2), new Uint8Array(MAX_ROOM_SNAPSHOT_BYTES + 1)), RoomSnapshotTooLargeError)
      assert.deepEqual(await store.listRooms(), [groupId(1)], 'a refused new room is not kept')
    })

    it('keeps a room\'s history with its snapshot, in the order written; a replaced entry keeps its place', async () => {
      assert.deepEqual(await store.roomHistory(groupId(1)), [])
      const first = [entry('m1', 1), entry('m2', 2, 5000)]
      await store.putRoom(groupId(1), snapshot(1), first)
      await store.putRoom(groupId(2), snapshot(2), [entry('m1', 9)])
      await store.putRoom(groupId(1), snapshot(3), [entry('m3', 3)])
      const got = await store.roomHistory(groupId(1))
      assert.deepEqual(plain(got), [entry('m1', 1), entry('m2', 2, 5000), entry('m3', 3)])
      assert.ok(got[0].seq < got[1].seq && got[1].seq < got[2].seq, `seqs rise: ${got.map(e => e.seq).join(' ')}`)
      assert.deepEqual(plain(await store.roomHistory(groupId(2))), [entry('m1', 9)], 'the same id in another room is another entry')
      first[0].record.fill(0)
      got[0].record.fill(0)
      assert.deepEqual(plain(await store.roomHistory(groupId(1), { limit: 1 })), [entry('m1', 1)], 'copies in and out')
      // a delivery state changed: the entry is written again, and keeps its seq
      await store.putRoom(groupId(1), snapshot(4), [entry('m1', 7, 9000)])
      const again = await store.roomHistory(groupId(1))
      assert.deepEqual(plain(again), [entry('m1', 7, 9000), entry('m2', 2, 5000), entry('m3', 3)])
      assert.deepEqual(again.map(e => e.seq), got.map(e => e.seq))
      assert.deepEqual(plain(await store.roomHistory(groupId(1), { afterSeq: got[0].seq, limit: 1 })), [entry('m2', 2, 5000)], 'after a seq, a page at a time')
      assert.deepEqual(await store.getRoom(groupId(1)), snapshot(4))
    })

    it('writes nothing of a refused put: not the snapshot, not the history', async () => {
      await store.putRoom(groupId(1), snapshot(1), [entry('m1', 1)])
      await assert.rejects(store.putRoom(groupId(1), snapshot(2), [entry('m2', 2), { id: 'big', expiresAt: 0, record: new Uint8Array(MAX_ROOM_HISTORY_RECORD_BYTES + 1) }]), RoomHistoryEntryTooLargeError)
      await assert.rejects(store.putRoom(groupId(1), new Uint8Array(MAX_ROOM_SNAPSHOT_BYTES + 1), [entry('m3', 3)]), RoomSnapshotTooLargeError)
      assert.deepEqual(await store.getRoom(groupId(1)), snapshot(1))
      assert.deepEqual(plain(await store.roomHistory(groupId(1))), [entry('m1', 1)])
      await store.putRoom(groupId(1), snapshot(1), [{ id: 'largest', expiresAt: 0, record: new Uint8Array(MAX_ROOM_HISTORY_RECORD_BYTES) }])
      assert.equal((await store.roomHistory(groupId(1))).length, 2, 'an entry of the largest size is kept')
    })

    it('sweeps entries at their expiry, never one without, and forgets a deleted room\'s history', async () => {
      await store.putRoom(groupId(1), snapshot(1), [entry('a', 1, 3000), entry('b', 2, 0), entry('c', 3, 1000)])
      await store.putRoom(groupId(2), snapshot(2), [entry('d', 4, 2000)])
      assert.equal(await store.nextRoomHistoryExpiry(), 1000)
      assert.equal(await store.sweepRoomHistory(999), 0)
      assert.equal(await store.sweepRoomHistory(2000), 2)
      assert.deepEqual(plain(await store.roomHistory(groupId(1))), [entry('a', 1, 3000), entry('b', 2, 0)])
      assert.deepEqual(await store.roomHistory(groupId(2)), [])
      assert.equal(await store.nextRoomHistoryExpiry(), 3000)
      await store.deleteRoom(groupId(1))
      assert.deepEqual(await store.roomHistory(groupId(1)), [])
      assert.equal(await store.nextRoomHistoryExpiry(), undefined)
      await store.putRoom(groupId(1), snapshot(1))
      assert.deepEqual(await store.roomHistory(groupId(1)), [], 'a room kept again starts with no history')
    })

    it(`keeps at most ${MAX_ROOM_HISTORY} history entries a room, dropping the oldest`, async () => {
      const many = Array.from({ length: MAX_ROOM_HISTORY + 2 }, (_, i) => entry(`m${i}`, i, 0, 1))
      await store.putRoom(groupId(1), snapshot(1), many.slice(0, 10))
      await store.putRoom(groupId(1), snapshot(1), many.slice(10))
      const kept = await store.roomHistory(groupId(1))
      assert.equal(kept.length, MAX_ROOM_HISTORY)
      assert.deepEqual([kept[0].id, kept[kept.length - 1].id], ['m2', `m${MAX_ROOM_HISTORY + 1}`])
    })

    it(`keeps ${MAX_ROOMS} rooms and refuses another until one is deleted; a kept room can still be replaced`, async () => {
      for (let n = 0; n < MAX_ROOMS; n++) await store.putRoom(groupId(n), snapshot(n, 16))
      await assert.rejects(store.putRoom(groupId(MAX_ROOMS), snapshot(1, 16)), TooManyRoomsError)
      assert.equal((await store.listRooms()).length, MAX_ROOMS)
      assert.equal(await store.getRoom(groupId(MAX_ROOMS)), undefined)

      await store.putRoom(groupId(7), snapshot(99, 16))
      assert.deepEqual(await store.getRoom(groupId(7)), snapshot(99, 16), 'replacing a kept room at the limit')

      await store.deleteRoom(groupId(0))
      await store.putRoom(groupId(MAX_ROOMS), snapshot(1, 16))
      assert.deepEqual(await store.getRoom(groupId(MAX_ROOMS)), snapshot(1, 16))
      await assert.rejects(store.putRoom(groupId(MAX_ROOMS + 1), snapshot(1, 16)), TooManyRoomsError)
      const listed = await store.listRooms()
      assert.deepEqual([listed.length, listed[0], listed[MAX_ROOMS - 1]], [MAX_ROOMS, groupId(1), groupId(MAX_ROOMS)])
    })
  })
}
