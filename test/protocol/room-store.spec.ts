import assert from 'node:assert/strict'
import { MemoryRoomStore, memoryStores } from '../../protocol/index.js'
import { roomStoreCompliance } from './room-store.suite.js'

roomStoreCompliance('in-memory', () => new MemoryRoomStore())

describe('memoryStores rooms', () => {
  it('has a room store of its own for each call', async () => {
    const [a, b] = [memoryStores(), memoryStores()]
    assert.ok(a.rooms instanceof MemoryRoomStore && b.rooms instanceof MemoryRoomStore)
    await a.rooms.putRoom(Uint8Array.of(1), Uint8Array.of(2))
    assert.deepEqual([await a.rooms.listRooms(), await b.rooms.listRooms()], [[Uint8Array.of(1)], []])
  })
})
