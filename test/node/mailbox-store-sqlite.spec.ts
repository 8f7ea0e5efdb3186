import assert from 'node:assert/strict'
import { SqliteMailboxStore } from '../../node/store/mailbox.js'
import { mailboxStoreCompliance } from '../protocol/mailbox-store.suite.js'
import { TempDatabases } from './temp-databases.js'
import type { DatabaseSync } from 'node:sqlite'

describe('SQLite MailboxStore', () => {
  const temp = new TempDatabases()
  const databasePath = async (): Promise<string> => temp.path()
  const open = (path: string): DatabaseSync => temp.open(path)

  afterEach(async () => { await temp.cleanup() })

  mailboxStoreCompliance('SQLite', async () => new SqliteMailboxStore(open(await databasePath())))

  it('keeps mail, usage and receipts across closing and reopening', async () => {
    const path = await databasePath()
    const first = new SqliteMailboxStore(open(path))
    const limits = { depositorBytes: 1e9, depositorMessages: 3, ownerBytes: 1e9, ownerMessages: 1e6, totalBytes: 1e9 }
    const item = (n: number): { item: { owner: string, id: string, depositor: string, envelope: Uint8Array, hash: Uint8Array, expiresAt: number, storedAt: number }, limits: typeof limits } =>
      ({ item: { owner: 'alice', id: n.toString(16).padStart(32, '0'), depositor: 'xavier', envelope: new Uint8Array(10 * n), hash: Uint8Array.of(n), expiresAt: 1000, storedAt: n }, limits })
    await first.deposit([item(1), item(2), item(3)])
    await first.ack('alice', [{ id: item(1).item.id, depositor: 'xavier' }], new Map([[item(1).item.id, Uint8Array.of(7)]]))
    temp.opened[0].close()

    const second = new SqliteMailboxStore(open(path))
    assert.deepEqual(await second.usage('alice', 'xavier'), { bytes: 50, messages: 2 })
    assert.equal(await second.totalBytes(), 50)
    assert.deepEqual(await second.receiptsFor('xavier', []), [Uint8Array.of(7)])
    const [again, fourth, fifth] = await second.deposit([item(2), item(4), item(5)])
    assert.deepEqual([again, fourth], [{ storedAt: 2, duplicate: true }, { storedAt: 4, duplicate: false }])
    assert.ok(fifth instanceof Error, 'the quota counts mail stored before the restart')
  })
})
