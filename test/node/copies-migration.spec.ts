/**
 * Migration 13 (node/store/sqlite.ts): custody and hosted delivery receipts per device. A
 * version-12 database keeps the custody of its stored messages (now under the message's device)
 * and the receipts waiting for depositors (under no owner), and from then on copies of one
 * message to two devices keep their own custody and their own receipts.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { SqliteMailboxStore } from '../../node/store/mailbox.js'
import { SqliteMessageStore } from '../../node/store/messages.js'
import { MIGRATIONS, openDatabase } from '../../node/store/sqlite.js'
import type { DepositLimits } from '../../protocol/index.js'

const ROOMY: DepositLimits = { depositorBytes: 1e9, depositorMessages: 1e6, ownerBytes: 1e9, ownerMessages: 1e6, totalBytes: 1e9 }
const ID = 'ab'.repeat(16)

describe('SQLite migration 13: custody and hosted receipts per device', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-migration-')) })
  afterEach(async () => rm(dir, { recursive: true, force: true }))

  it('keeps a version-12 database\'s custody and waiting receipts', async () => {
    const path = join(dir, 'ferry.db')
    const old = new DatabaseSync(path)
    for (const [v, sql] of MIGRATIONS.slice(0, 12).entries()) old.exec(`${sql}; PRAGMA user_version = ${v + 1}`)
    old.prepare('INSERT INTO messages (rev, id, direction, peer, text, status, created_at, expires_at, envelope, kind) VALUES (1, ?, \'out\', \'bob\', \'hi\', \'stored\', 1, 99999, x\'01\', \'text\')').run(ID)
    old.prepare('INSERT INTO custody (id, host, stored_at, receipt) VALUES (?, \'host\', 5, x\'07\')').run(ID)
    old.prepare('INSERT INTO mailbox_receipts (depositor, id, receipt, expires_at) VALUES (\'xavier\', ?, x\'09\', 99999)').run(ID)
    old.close()
    const db = openDatabase(path)
    try {
      assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, MIGRATIONS.length)
      const messages = new SqliteMessageStore(db)
      const [m] = await messages.queued(undefined, { status: 'stored' })
      assert.deepEqual(m.mailboxes, [{ host: 'host', storedAt: 5, receipt: Uint8Array.of(7) }])
      const mailbox = new SqliteMailboxStore(db)
      assert.deepEqual(await mailbox.receiptsFor('xavier', []), [Uint8Array.of(9)])
      // from now on: a receipt per owner device
      for (const owner of ['bob', 'bob2']) {
        await mailbox.deposit([{ item: { owner, id: 'cd'.repeat(16), depositor: 'xavier', envelope: Uint8Array.of(1), hash: new Uint8Array(32), expiresAt: 99_999, storedAt: 1 }, limits: ROOMY }])
        await mailbox.ack(owner, [{ id: 'cd'.repeat(16), depositor: 'xavier' }], new Map([['cd'.repeat(16), Uint8Array.of(owner.length)]]))
      }
      assert.deepEqual((await mailbox.receiptsFor('xavier', [ID])).map(r => r[0]).sort(), [3, 4])
    } finally {
      db.close()
    }
  })
})
