/**
 * Migration 6 (node/store/sqlite.ts): mailbox_items is rebuilt with an AUTOINCREMENT cursor. A
 * version-5 database keeps its waiting mail, cursors, indexes and uniqueness, and from then on no
 * cursor is handed out twice, not even after the newest mail was acked.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { SqliteMailboxStore } from '../../node/store/mailbox.js'
import { MIGRATIONS, openDatabase } from '../../node/store/sqlite.js'
import type { DepositLimits, MailboxItem } from '../../protocol/index.js'

const ROOMY: DepositLimits = { depositorBytes: 1e9, depositorMessages: 1e6, ownerBytes: 1e9, ownerMessages: 1e6, totalBytes: 1e9 }

/** Mail number `n` for `owner`: an envelope of n bytes of n. */
function mail (n: number, owner = 'alice'): MailboxItem {
  return { owner, id: n.toString(16).padStart(32, '0'), depositor: 'xavier', envelope: new Uint8Array(n).fill(n), hash: new Uint8Array(32).fill(n), expiresAt: 99_999, storedAt: n }
}

describe('SQLite migration 6: mailbox cursors are never reused', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-migration-')) })
  afterEach(async () => rm(dir, { recursive: true, force: true }))

  /** A version-5 database holding mail 1, 2 and 7 (cursors 1, 2, 7) and mail 3 for bob (cursor 3). */
  function version5 (path: string): void {
    const old = new DatabaseSync(path)
    for (const [v, sql] of MIGRATIONS.slice(0, 5).entries()) old.exec(`${sql}; PRAGMA user_version = ${v + 1}`)
    const insert = old.prepare('INSERT INTO mailbox_items (cursor, owner, id, depositor, envelope, hash, expires_at, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    for (const m of [mail(1), mail(2), mail(3, 'bob'), mail(7)]) insert.run(m.storedAt, m.owner, m.id, m.depositor, m.envelope, m.hash, m.expiresAt, m.storedAt)
    old.prepare('INSERT INTO mailbox_revoked (owner, sender, before) VALUES (?, ?, ?)').run('alice', new Uint8Array(32).fill(9), 500)
    old.close()
  }

  it('keeps waiting mail with its cursors, usage, indexes and uniqueness', async () => {
    const path = join(dir, 'ferry.db')
    version5(path)
    const db = openDatabase(path)
    try {
      assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, MIGRATIONS.length)
      const store = new SqliteMailboxStore(db)
      assert.deepEqual(await store.fetch('alice', 0, 10, 0), [1, 2, 7].map(n => ({ ...mail(n), cursor: n })))
      assert.deepEqual(await store.fetch('bob', 0, 10, 0), [{ ...mail(3, 'bob'), cursor: 3 }])
      assert.deepEqual([await store.usage('alice'), await store.totalBytes()], [{ bytes: 10, messages: 3 }, 13])
      assert.equal(await store.revokedBefore('alice', new Uint8Array(32).fill(9)), 500)
      assert.deepEqual(await store.deposit([{ item: mail(2), limits: ROOMY }]), [{ storedAt: 2, duplicate: true }])

      const indexes = (db.prepare('SELECT name FROM sqlite_master WHERE type = \'index\' AND tbl_name = \'mailbox_items\' ORDER BY name').all() as Array<{ name: string }>).map(r => r.name)
      assert.deepEqual(indexes, ['mailbox_items_expiry', 'mailbox_items_owner', 'sqlite_autoindex_mailbox_items_1'])
      // unique per (owner, depositor, id) since migration 8
      assert.throws(() => db.prepare('INSERT INTO mailbox_items (owner, id, depositor, envelope, hash, expires_at, stored_at) VALUES (\'alice\', ?, \'xavier\', x\'00\', x\'00\', 1, 1)').run(mail(1).id), /UNIQUE constraint failed/)
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM sqlite_master WHERE name IN (\'mailbox_items_v6\', \'mailbox_items_v8\')').get() as { n: number }).n, 0)
    } finally {
      db.close()
    }
  })

  it('hands out no cursor twice after the upgrade, not even once the newest mail was acked or the table emptied', async () => {
    const path = join(dir, 'ferry.db')
    version5(path)
    let db = openDatabase(path)
    try {
      let store = new SqliteMailboxStore(db)
      await store.ack('alice', [{ id: mail(7).id, depositor: mail(7).depositor }], new Map())
      await store.deposit([{ item: mail(8), limits: ROOMY }])
      const after7 = await store.fetch('alice', 7, 10, 0)
      assert.deepEqual(after7.map(i => [i.storedAt, i.cursor]), [[8, 8]], 'the next deposit takes cursor 8, not 7 again')

      await store.ack('alice', [1, 2, 8].map(n => ({ id: mail(n).id, depositor: mail(n).depositor })), new Map())
      await store.unhost('bob')
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM mailbox_items').get() as { n: number }).n, 0)
      db.close()
      db = openDatabase(path) // the high-water mark is on disk, not in memory
      store = new SqliteMailboxStore(db)
      await store.deposit([{ item: mail(9), limits: ROOMY }])
      assert.deepEqual((await store.fetch('alice', 0, 10, 0)).map(i => i.cursor), [9])
    } finally {
      db.close()
    }
  })
})
