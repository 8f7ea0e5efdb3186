/**
 * The SQLite RoomStore: the compliance suite in the clear and sealed at rest, and what only the
 * file can show — the schema migration, no snapshot readable in the database or its WAL, a
 * sealed snapshot bound to its room, rooms kept across reopening, and a deleted room erased from
 * the file and the WAL within moments (as test/node/erasure.spec.ts checks mail).
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { AtRestCipher, AtRestDecryptError } from '../../node/at-rest.js'
import { SqliteRoomStore } from '../../node/store/rooms.js'
import { ERASE_DELAY_MS, MIGRATIONS } from '../../node/store/sqlite.js'
import { groupId, roomStoreCompliance } from '../protocol/room-store.suite.js'
import { TempDatabases } from './temp-databases.js'
import { DatabaseSync } from 'node:sqlite'

/** A snapshot of `size` bytes that carries `marker` over and over. */
const marked = (marker: string, size: number): Uint8Array => new TextEncoder().encode(marker.repeat(Math.ceil(size / marker.length)).slice(0, size))

describe('SQLite RoomStore', function () {
  this.timeout(120_000)
  const temp = new TempDatabases()
  const databasePath = async (): Promise<string> => temp.path()
  const open = (path: string): DatabaseSync => temp.open(path)
  /** the database file and its WAL, as they are on disk */
  const files = async (path: string): Promise<Buffer> => Buffer.concat(await Promise.all(['', '-wal'].map(async x => readFile(path + x).catch(() => Buffer.alloc(0)))))
  const erased = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ERASE_DELAY_MS * 3)) }

  afterEach(async () => { await temp.cleanup() })

  roomStoreCompliance('SQLite', async () => new SqliteRoomStore(open(await databasePath())))
  roomStoreCompliance('SQLite, sealed at rest', async () => new SqliteRoomStore(open(await databasePath()), new AtRestCipher(AtRestCipher.generateKey())))

  it('migration 9 adds the rooms table to a version 8 database, keeping what it held', async () => {
    const path = await databasePath()
    const old = new DatabaseSync(path)
    for (const [v, sql] of MIGRATIONS.slice(0, 8).entries()) old.exec(`${sql}; PRAGMA user_version = ${v + 1}`)
    old.prepare('INSERT INTO contacts (name, peer_id, addresses, added_at) VALUES (?, ?, ?, ?)').run('alice', 'peer-a', '[]', 1)
    old.close()

    const db = open(path)
    assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, MIGRATIONS.length)
    assert.deepEqual(db.prepare('SELECT name FROM pragma_table_info(\'rooms\') ORDER BY cid').all().map(r => r.name), ['group_id', 'snapshot'])
    assert.deepEqual(db.prepare('SELECT name FROM contacts').all().map(r => r.name), ['alice'])
    const store = new SqliteRoomStore(db, new AtRestCipher(AtRestCipher.generateKey()))
    await store.putRoom(groupId(1), Uint8Array.of(1))
    assert.deepEqual(await store.getRoom(groupId(1)), Uint8Array.of(1))
  })

  it('keeps no snapshot readable in the database or its WAL, and a snapshot moved to another room does not open', async () => {
    const path = await databasePath()
    const db = open(path)
    const store = new SqliteRoomStore(db, new AtRestCipher(AtRestCipher.generateKey()))
    const marker = `ROOM-MARKER-${Math.random().toString(36).slice(2)}`
    await store.putRoom(groupId(1), marked(marker, 200)) // fits in a page
    await store.putRoom(groupId(2), marked(marker, 100_000)) // spills into overflow pages
    await store.putRoom(groupId(2), marked(marker, 50_000)) // replaced
    assert.deepEqual(await store.getRoom(groupId(1)), marked(marker, 200), 'the store reads its rooms')
    assert.equal((await files(path)).includes(marker), false, 'no marker in the database or the WAL')
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    assert.equal((await files(path)).includes(marker), false, 'nor after a checkpoint')

    const plain = await databasePath()
    await new SqliteRoomStore(open(plain)).putRoom(groupId(1), marked(marker, 200))
    assert.ok((await files(plain)).includes(marker), 'without a cipher the marker is found (the search works)')

    db.prepare('UPDATE rooms SET snapshot = (SELECT snapshot FROM rooms WHERE group_id = ?) WHERE group_id = ?').run(groupId(1), groupId(2))
    await assert.rejects(store.getRoom(groupId(2)), AtRestDecryptError)
    await assert.rejects(new SqliteRoomStore(db, new AtRestCipher(AtRestCipher.generateKey())).getRoom(groupId(1)), AtRestDecryptError, 'another key does not open it')
  })

  it('keeps rooms across closing and reopening', async () => {
    const path = await databasePath()
    const cipher = new AtRestCipher(AtRestCipher.generateKey())
    const first = new SqliteRoomStore(open(path), cipher)
    await first.putRoom(groupId(2), Uint8Array.of(2, 2))
    await first.putRoom(groupId(1), Uint8Array.of(1))
    await first.putRoom(groupId(2), Uint8Array.of(2, 2, 2))
    temp.opened[0].close()

    const second = new SqliteRoomStore(open(path), cipher)
    assert.deepEqual(await second.listRooms(), [groupId(1), groupId(2)])
    assert.deepEqual(await second.getRoom(groupId(2)), Uint8Array.of(2, 2, 2))
    assert.deepEqual(await second.getRoom(groupId(1)), Uint8Array.of(1))
  })

  it('erases a deleted room from the database file and the WAL within moments', async () => {
    const path = await databasePath()
    const db = open(path)
    const store = new SqliteRoomStore(db, new AtRestCipher(AtRestCipher.generateKey()))
    await store.putRoom(groupId(1), Uint8Array.from({ length: 300 }, (_, i) => i & 0xff))
    await store.putRoom(groupId(2), Uint8Array.of(9, 9, 9))
    const sealed = Buffer.from((db.prepare('SELECT snapshot FROM rooms WHERE group_id = ?').get(groupId(1)) as { snapshot: Uint8Array }).snapshot)
    assert.ok((await files(path)).includes(sealed), 'the file holds the sealed snapshot (the search works)')
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    assert.ok((await files(path)).includes(sealed), 'in the database file too, after a checkpoint')

    await store.deleteRoom(groupId(1))
    await erased()
    assert.equal((await files(path)).includes(sealed), false, 'no trace in the database or its WAL')
    assert.deepEqual(await store.getRoom(groupId(2)), Uint8Array.of(9, 9, 9), 'the other room stays')

    // a room large enough to spill into overflow pages, in the clear to search for its content
    const plainPath = await databasePath()
    const plain = new SqliteRoomStore(open(plainPath))
    const marker = `ERASE-ME-${Math.random().toString(36).slice(2)}`
    await plain.putRoom(groupId(3), marked(marker, 100_000))
    assert.ok((await files(plainPath)).includes(marker))
    await plain.deleteRoom(groupId(3))
    await erased()
    assert.equal((await files(plainPath)).includes(marker), false, 'no page of it is left')
  })

  it('migration 10 adds room history to a version 9 database, keeping its rooms', async () => {
    const path = await databasePath()
    const old = new DatabaseSync(path)
    for (const [v, sql] of MIGRATIONS.slice(0, 9).entries()) old.exec(`${sql}; PRAGMA user_version = ${v + 1}`)
    old.prepare('INSERT INTO rooms (group_id, snapshot) VALUES (?, ?)').run(groupId(1), Uint8Array.of(7))
    old.close()
    const store = new SqliteRoomStore(open(path))
    assert.deepEqual(await store.getRoom(groupId(1)), Uint8Array.of(7))
    assert.deepEqual(await store.roomHistory(groupId(1)), [])
    await store.putRoom(groupId(1), Uint8Array.of(8), [{ id: 'm1', expiresAt: 0, record: Uint8Array.of(1) }])
    assert.deepEqual((await store.roomHistory(groupId(1))).map(e => e.id), ['m1'])
  })

  it('keeps no history entry readable in the file, an entry moved to another id or room does not open, and a swept one is erased', async () => {
    const path = await databasePath()
    const db = open(path)
    const store = new SqliteRoomStore(db, new AtRestCipher(AtRestCipher.generateKey()))
    const marker = `HISTORY-MARKER-${Math.random().toString(36).slice(2)}`
    await store.putRoom(groupId(1), Uint8Array.of(1), [{ id: 'a', expiresAt: 0, record: marked(marker, 300) }, { id: 'b', expiresAt: 5, record: marked(marker, 300) }])
    await store.putRoom(groupId(2), Uint8Array.of(2), [{ id: 'a', expiresAt: 0, record: marked(marker, 300) }])
    assert.equal((await files(path)).includes(marker), false, 'no marker in the database or the WAL')
    const sealed = Buffer.from((db.prepare('SELECT record FROM room_history WHERE id = ? AND group_id = ?').get('b', groupId(1)) as { record: Uint8Array }).record)
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    assert.ok((await files(path)).includes(sealed), 'the file holds the sealed entry (the search works)')
    assert.equal(await store.sweepRoomHistory(10), 1)
    await erased()
    assert.equal((await files(path)).includes(sealed), false, 'the swept entry leaves no trace')
    await store.putRoom(groupId(1), Uint8Array.of(1), [{ id: 'b', expiresAt: 0, record: marked(marker, 300) }])
    db.prepare('UPDATE room_history SET record = (SELECT record FROM room_history WHERE id = \'b\' AND group_id = ?) WHERE id = \'a\' AND group_id = ?').run(groupId(1), groupId(1))
    await assert.rejects(store.roomHistory(groupId(1)), AtRestDecryptError, 'entry b under id a')
    db.prepare('UPDATE room_history SET record = (SELECT record FROM room_history WHERE id = \'b\' AND group_id = ?) WHERE id = \'a\' AND group_id = ?').run(groupId(1), groupId(2))
    await assert.rejects(store.roomHistory(groupId(2)), AtRestDecryptError, 'another room\'s entry')
  })
})
