import assert from 'node:assert/strict'
import { addOut } from '../protocol/helpers.js'
import { Key } from 'interface-datastore'
import { AtRestCipher } from '../../node/at-rest.js'
import { SqliteContactStore } from '../../node/store/contacts.js'
import { SqliteDatastore } from '../../node/store/datastore.js'
import { SqliteMessageStore } from '../../node/store/messages.js'
import { SqlitePrekeyStore } from '../../node/store/prekeys.js'
import { prekeyStoreCompliance } from '../protocol/prekey-store.suite.js'
import { messageId, storeCompliance } from '../protocol/stores.suite.js'
import type { FerryStores } from '../../protocol/stores/stores.js'
import { TempDatabases } from './temp-databases.js'
import type { DatabaseSync } from 'node:sqlite'

describe('SQLite stores', () => {
  const temp = new TempDatabases()
  const databasePath = async (): Promise<string> => temp.path()
  const open = (path: string): DatabaseSync => temp.open(path)

  function storesOf (db: DatabaseSync): FerryStores {
    return { contacts: new SqliteContactStore(db), messages: new SqliteMessageStore(db), prekeys: new SqlitePrekeyStore(db) }
  }

  afterEach(async () => { await temp.cleanup() })

  storeCompliance('SQLite', async () => storesOf(open(await databasePath())))
  prekeyStoreCompliance('SQLite', async () => new SqlitePrekeyStore(open(await databasePath())))
  prekeyStoreCompliance('SQLite, sealed at rest', async () => new SqlitePrekeyStore(open(await databasePath()), new AtRestCipher(AtRestCipher.generateKey())))

  it('opens the database in WAL mode', async () => {
    const db = open(await databasePath())
    assert.deepEqual({ ...db.prepare('PRAGMA journal_mode').get() }, { journal_mode: 'wal' })
  })

  it('keeps contacts, messages and the change counter across closing and reopening', async () => {
    const path = await databasePath()
    const first = storesOf(open(path))
    await first.contacts.add({ name: 'alice', peerId: 'peer-a', identity: new Uint8Array(32).fill(3), addresses: ['/ip4/127.0.0.1/tcp/1'], addedAt: 5 })
    await addOut(first.messages, { id: messageId(1), peer: 'peer-a', text: 'hi', status: 'queued', createdAt: 10, expiresAt: 99_999, envelope: Uint8Array.from([1, 2, 3]) })
    const stored = await first.messages.storeIncoming([{ id: messageId(2), peer: 'peer-a', text: 'hello', createdAt: 11, expiresAt: 99_999, receivedAt: 12 }])
    assert.deepEqual(stored, [{ storedAt: 12, duplicate: false }])
    const revBefore = Math.max(...(await first.messages.list()).map(m => m.rev))
    temp.opened[0].close()

    const second = storesOf(open(path))
    assert.deepEqual((await second.contacts.get('alice'))?.identity, new Uint8Array(32).fill(3))
    const queued = await second.messages.queued('peer-a')
    assert.deepEqual(queued.map(m => [m.id, m.text, m.envelope]), [[messageId(1), 'hi', Uint8Array.from([1, 2, 3])]])
    assert.equal((await second.messages.get(messageId(2), 'in'))?.text, 'hello')
    assert.deepEqual(await second.messages.storeIncoming([{ id: messageId(2), peer: 'peer-a', text: 'hello', createdAt: 11, expiresAt: 99_999, receivedAt: 50 }]),
      [{ storedAt: 12, duplicate: true }])

    // changes written after the restart must still be seen by a follower holding the old rev
    await second.messages.markDelivered([{ id: messageId(1), receipt: new Uint8Array([7]), deliveredAt: 60 }])
    assert.deepEqual((await second.messages.list({ changedAfter: revBefore })).map(m => m.id), [messageId(1)])
  })

  it('never hands out a rev twice, even when the rows that carried the latest were swept before a restart', async () => {
    // found by the chaos soak: disappearing messages on top of the history, swept, then a restart
    const path = await databasePath()
    const first = storesOf(open(path))
    await first.messages.storeIncoming([
      { id: messageId(1), peer: 'peer-a', text: 'stays', createdAt: 1, expiresAt: 99_999, receivedAt: 2 },
      { id: messageId(2), peer: 'peer-a', text: 'goes', createdAt: 1, expiresAt: 100, receivedAt: 3, disappearing: true },
      { id: messageId(3), peer: 'peer-a', text: 'goes too', createdAt: 1, expiresAt: 100, receivedAt: 4, disappearing: true }
    ])
    const seen = Math.max(...(await first.messages.list()).map(m => m.rev)) // a follower saw this
    assert.equal(await first.messages.sweepExpired(200), 2)
    temp.opened[0].close()

    const second = storesOf(open(path))
    await second.messages.storeIncoming([{ id: messageId(4), peer: 'peer-a', text: 'after the restart', createdAt: 300, expiresAt: 99_999, receivedAt: 300 }])
    assert.deepEqual((await second.messages.list({ changedAfter: seen })).map(m => m.text), ['after the restart'])
  })

  describe('SqliteDatastore', () => {
    it('puts, gets, overwrites, checks and deletes values', async () => {
      const ds = new SqliteDatastore(open(await databasePath()))
      const key = new Key('/peers/abc')

      assert.equal(await ds.has(key), false)
      await assert.rejects(async () => ds.get(key), (err: Error) => err.name === 'NotFoundError')
      await ds.put(key, Uint8Array.from([1, 2]))
      await ds.put(key, Uint8Array.from([3]))
      assert.deepEqual(await ds.get(key), Uint8Array.from([3]))
      assert.equal(await ds.has(key), true)
      await ds.delete(key)
      assert.equal(await ds.has(key), false)
    })

    it('queries by prefix without matching siblings that only share the leading characters', async () => {
      const ds = new SqliteDatastore(open(await databasePath()))
      for (const k of ['/peers/b', '/peers/a', '/peersx/c', '/keys/d']) await ds.put(new Key(k), new TextEncoder().encode(k))

      const pairs = []
      for await (const p of ds.query({ prefix: '/peers/' })) pairs.push([p.key.toString(), new TextDecoder().decode(p.value)])
      assert.deepEqual(pairs, [['/peers/a', '/peers/a'], ['/peers/b', '/peers/b']])

      const keys = []
      for await (const k of ds.queryKeys({ prefix: '/keys' })) keys.push(k.toString())
      assert.deepEqual(keys, ['/keys/d'])

      const everything = []
      for await (const k of ds.queryKeys({})) everything.push(k.toString())
      assert.deepEqual(everything.sort(), ['/keys/d', '/peers/a', '/peers/b', '/peersx/c'])
    })

    it('keeps its entries across closing and reopening', async () => {
      const path = await databasePath()
      await new SqliteDatastore(open(path)).put(new Key('/certificate'), Uint8Array.from([4, 2]))
      temp.opened[0].close()
      assert.deepEqual(await new SqliteDatastore(open(path)).get(new Key('/certificate')), Uint8Array.from([4, 2]))
    })
  })
})
