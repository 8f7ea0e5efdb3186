/**
 * Migration 5 (node/store/sqlite.ts): a database from before read receipts opens with its received
 * messages read (no flood of unread history, no receipts for them), and unread messages are found
 * through the messages_unread index rather than a scan of the history.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { SqliteMessageStore } from '../../node/store/messages.js'
import { MIGRATIONS, openDatabase } from '../../node/store/sqlite.js'

describe('SQLite migration 5: read state', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-migration-')) })
  afterEach(async () => rm(dir, { recursive: true, force: true }))

  it('marks messages received before it read, keeps outgoing ones, and counts new arrivals unread', async () => {
    const path = join(dir, 'ferry.db')
    const old = new DatabaseSync(path)
    for (const [v, sql] of MIGRATIONS.slice(0, 4).entries()) old.exec(`${sql}; PRAGMA user_version = ${v + 1}`)
    const insert = old.prepare('INSERT INTO messages (rev, id, direction, peer, text, status, created_at, expires_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, 1, 99999, ?)')
    insert.run(1, 'a'.repeat(32), 'in', 'peer-a', 'old news', 'delivered', 5)
    insert.run(2, 'b'.repeat(32), 'out', 'peer-a', 'sent', 'delivered', 6)
    old.close()

    const db = openDatabase(path)
    try {
      const store = new SqliteMessageStore(db)
      assert.equal((await store.get('a'.repeat(32), 'in'))?.status, 'read')
      assert.equal((await store.get('b'.repeat(32), 'out'))?.status, 'delivered')
      assert.deepEqual(await store.unread(), {})
      await store.storeIncoming([{ id: 'c'.repeat(32), peer: 'peer-a', text: 'new', createdAt: 10, expiresAt: 99_999, receivedAt: 11 }])
      assert.deepEqual(await store.unread(), { 'peer-a': 1 })

      const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map(r => r.detail).join('; ')
      const unread = 'direction = \'in\' AND kind = \'text\' AND status = \'delivered\''
      assert.match(plan(`SELECT peer, COUNT(*) AS n FROM messages WHERE ${unread} GROUP BY peer`), /USING COVERING INDEX messages_unread/)
      assert.match(plan(`UPDATE messages SET status = 'read', rev = 1 WHERE ${unread} AND peer = 'peer-a'`), /USING INDEX messages_unread/)
    } finally {
      db.close()
    }
  })
})
