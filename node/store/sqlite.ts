/**
 * SQLite through Node's built-in `node:sqlite` (docs/DESIGN.md "Platforms"): better-sqlite3 compiled by
 * npm targets the machine's Node 20 and does not load in Node 22+ (ABI 115 vs 127), while
 * node:sqlite ships with the Node that runs Ferry. WAL with synchronous=NORMAL survives any
 * process crash; `durability: 'full'` also survives power loss (invariant 3).
 */
import { DatabaseSync } from 'node:sqlite'
import type { StatementSync } from 'node:sqlite'

/** Schema migrations, applied in order; the index + 1 is the schema version (PRAGMA user_version). */
export const MIGRATIONS: string[] = [
  `CREATE TABLE contacts (
     name TEXT PRIMARY KEY,
     peer_id TEXT NOT NULL UNIQUE,
     identity BLOB,
     addresses TEXT NOT NULL,
     added_at INTEGER NOT NULL
   );
   CREATE TABLE messages (
     seq INTEGER PRIMARY KEY,
     rev INTEGER NOT NULL,
     id TEXT NOT NULL,
     direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
     peer TEXT NOT NULL,
     text TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     delivered_at INTEGER,
     error TEXT,
     envelope BLOB,
     receipt BLOB,
     UNIQUE (direction, id)
   );
   CREATE INDEX messages_outbox ON messages (status, peer) WHERE direction = 'out';
   CREATE INDEX messages_peer ON messages (peer, seq);
   CREATE INDEX messages_rev ON messages (rev);
   CREATE TABLE datastore (key TEXT PRIMARY KEY, value BLOB NOT NULL);`,
  // 2: safety-number verification and identity changes
  `ALTER TABLE contacts ADD COLUMN verified INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE contacts ADD COLUMN pending_identity BLOB;`,
  // 3: end-to-end encryption: prekeys, replay marks, Double Ratchet sessions; records sealed
  `CREATE TABLE prekeys (
     kind TEXT NOT NULL CHECK (kind IN ('dh', 'signed', 'kem')),
     id INTEGER NOT NULL,
     current INTEGER NOT NULL DEFAULT 0,
     retired_at INTEGER,
     record BLOB NOT NULL,
     PRIMARY KEY (kind, id)
   );
   CREATE TABLE one_time_prekeys (id INTEGER PRIMARY KEY AUTOINCREMENT, issued INTEGER NOT NULL DEFAULT 0, record BLOB NOT NULL);
   CREATE TABLE seen_initial (hash BLOB PRIMARY KEY, signed_prekey_id INTEGER NOT NULL);
   CREATE TABLE sessions (peer TEXT PRIMARY KEY, record BLOB NOT NULL);
   ALTER TABLE contacts ADD COLUMN bundle BLOB;`,
  // 4: mailboxes: hosting, custody, capabilities; disappearing messages and control messages
  `ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
   ALTER TABLE messages ADD COLUMN disappearing INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX messages_expiry ON messages (expires_at) WHERE disappearing = 1 OR status IN ('queued', 'stored');
   ALTER TABLE contacts ADD COLUMN expires_ms INTEGER;
   ALTER TABLE contacts ADD COLUMN mailboxes TEXT;
   CREATE TABLE custody (id TEXT NOT NULL, host TEXT NOT NULL, stored_at INTEGER NOT NULL, receipt BLOB NOT NULL, PRIMARY KEY (id, host));
   CREATE TABLE capabilities (owner TEXT PRIMARY KEY, capability BLOB NOT NULL, received_at INTEGER NOT NULL);
   CREATE TABLE mailbox_use (host TEXT PRIMARY KEY, position INTEGER NOT NULL);
   CREATE TABLE mailbox_owners (
     peer TEXT PRIMARY KEY,
     identity BLOB NOT NULL,
     name TEXT NOT NULL,
     quota_bytes INTEGER NOT NULL,
     quota_messages INTEGER NOT NULL,
     max_ttl_ms INTEGER NOT NULL,
     added_at INTEGER NOT NULL
   );
   CREATE TABLE mailbox_items (
     cursor INTEGER PRIMARY KEY,
     owner TEXT NOT NULL,
     id TEXT NOT NULL,
     depositor TEXT NOT NULL,
     envelope BLOB NOT NULL,
     hash BLOB NOT NULL,
     expires_at INTEGER NOT NULL,
     stored_at INTEGER NOT NULL,
     UNIQUE (owner, id)
   );
   CREATE INDEX mailbox_items_expiry ON mailbox_items (expires_at);
   CREATE TABLE mailbox_receipts (depositor TEXT NOT NULL, id TEXT NOT NULL, receipt BLOB NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (depositor, id));
   CREATE TABLE mailbox_revoked (owner TEXT NOT NULL, sender BLOB NOT NULL, before INTEGER NOT NULL, PRIMARY KEY (owner, sender));
   CREATE TABLE mailbox_prekeys (seq INTEGER PRIMARY KEY, owner TEXT NOT NULL, record BLOB NOT NULL);
   CREATE TABLE capabilities_issued (peer TEXT PRIMARY KEY, hosts TEXT NOT NULL, issued_at INTEGER NOT NULL);`,
  // 5: read receipts: unread messages are counted from a small partial index, not a scan of the
  // history (the leading equality columns make the planner choose it; it covers the count).
  // Messages received before read receipts existed count as read: they were shown already, and
  // no receipt goes out for them.
  `UPDATE messages SET status = 'read' WHERE direction = 'in' AND status = 'delivered';
   CREATE INDEX messages_unread ON messages (direction, kind, status, peer) WHERE direction = 'in' AND kind = 'text' AND status = 'delivered';`,
  // 6: mailbox cursors are never reused. A plain INTEGER PRIMARY KEY hands out MAX(cursor) + 1, so
  // once the newest mail was acked its cursor went to the next deposit, which a client fetching
  // "after" that cursor skipped. AUTOINCREMENT keeps the high-water mark in sqlite_sequence, in
  // the same transaction as the insert. SQLite cannot ALTER a column to AUTOINCREMENT: the table
  // is rebuilt (https://sqlite.org/lang_altertable.html#otheralter), keeping every row with its
  // cursor, and copying rows with explicit cursors starts the sequence at the highest one kept.
  // A cursor above that may have been handed out before the upgrade and now be handed out again;
  // that is harmless: clients hold cursors only within one fetch round on one connection
  // (protocol/mailboxes.ts), and the upgrade restarted this host, ending every round. The old
  // table's pages are overwritten as it is dropped (secure_delete).
  `CREATE TABLE mailbox_items_v6 (
     cursor INTEGER PRIMARY KEY AUTOINCREMENT,
     owner TEXT NOT NULL,
     id TEXT NOT NULL,
     depositor TEXT NOT NULL,
     envelope BLOB NOT NULL,
     hash BLOB NOT NULL,
     expires_at INTEGER NOT NULL,
     stored_at INTEGER NOT NULL,
     UNIQUE (owner, id)
   );
   INSERT INTO mailbox_items_v6 (cursor, owner, id, depositor, envelope, hash, expires_at, stored_at)
     SELECT cursor, owner, id, depositor, envelope, hash, expires_at, stored_at FROM mailbox_items;
   DROP TABLE mailbox_items;
   ALTER TABLE mailbox_items_v6 RENAME TO mailbox_items;
   CREATE INDEX mailbox_items_expiry ON mailbox_items (expires_at);`,
  // 7: a one-time prekey handed out over /ferry/bundle records when, and is deleted once its grace
  // period ends unused (anyone could pull them without bound). Prekeys handed out before this
  // version, or left with a mailbox host, have no time and are kept until used, as before.
  `ALTER TABLE one_time_prekeys ADD COLUMN issued_at INTEGER;
   CREATE INDEX one_time_prekeys_issued_at ON one_time_prekeys (issued_at) WHERE issued_at IS NOT NULL;`,
  // 8: received message ids are unique per sender, not across senders (a hop that saw an id in
  // clear could otherwise deliver its own message under it first); messages from peers who are not
  // contacts wait apart as message requests; blocked peers; senders whose binding is unverified;
  // the owner's revoked senders, kept until every host of the set confirmed them; counters that must
  // never go back (the highest message rev handed out: rows that carried it may be deleted); mail
  // at a host kept per (owner, depositor, id), so a depositor cannot squat another's id there.
  // The messages table is rebuilt for its new UNIQUE constraint, as migration 6 rebuilt
  // mailbox_items (https://sqlite.org/lang_altertable.html#otheralter); seq and rev are kept.
  `CREATE TABLE messages_v8 (
     seq INTEGER PRIMARY KEY,
     rev INTEGER NOT NULL,
     id TEXT NOT NULL,
     direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
     peer TEXT NOT NULL,
     text TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     delivered_at INTEGER,
     error TEXT,
     envelope BLOB,
     receipt BLOB,
     kind TEXT NOT NULL DEFAULT 'text',
     disappearing INTEGER NOT NULL DEFAULT 0,
     unverified INTEGER NOT NULL DEFAULT 0,
     UNIQUE (direction, id, peer)
   );
   INSERT INTO messages_v8 (seq, rev, id, direction, peer, text, status, created_at, expires_at, delivered_at, error, envelope, receipt, kind, disappearing)
     SELECT seq, rev, id, direction, peer, text, status, created_at, expires_at, delivered_at, error, envelope, receipt, kind, disappearing FROM messages;
   DROP TABLE messages;
   ALTER TABLE messages_v8 RENAME TO messages;
   CREATE INDEX messages_outbox ON messages (status, peer) WHERE direction = 'out';
   CREATE INDEX messages_peer ON messages (peer, seq);
   CREATE INDEX messages_rev ON messages (rev);
   CREATE INDEX messages_expiry ON messages (expires_at) WHERE disappearing = 1 OR status IN ('queued', 'stored');
   CREATE INDEX messages_unread ON messages (direction, kind, status, peer) WHERE direction = 'in' AND kind = 'text' AND status = 'delivered';
   CREATE TABLE requests (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     peer TEXT NOT NULL,
     id TEXT NOT NULL,
     identity BLOB,
     text BLOB NOT NULL,
     bytes INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     disappearing INTEGER NOT NULL DEFAULT 0,
     UNIQUE (peer, id)
   );
   CREATE TABLE blocked (peer TEXT PRIMARY KEY, blocked_at INTEGER NOT NULL);
   CREATE TABLE owner_revoked (sender BLOB PRIMARY KEY, before INTEGER NOT NULL, told TEXT NOT NULL);
   CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
   CREATE TABLE mailbox_items_v8 (
     cursor INTEGER PRIMARY KEY AUTOINCREMENT,
     owner TEXT NOT NULL,
     id TEXT NOT NULL,
     depositor TEXT NOT NULL,
     envelope BLOB NOT NULL,
     hash BLOB NOT NULL,
     expires_at INTEGER NOT NULL,
     stored_at INTEGER NOT NULL,
     UNIQUE (owner, depositor, id)
   );
   INSERT INTO mailbox_items_v8 (cursor, owner, id, depositor, envelope, hash, expires_at, stored_at)
     SELECT cursor, owner, id, depositor, envelope, hash, expires_at, stored_at FROM mailbox_items;
   DROP TABLE mailbox_items;
   ALTER TABLE mailbox_items_v8 RENAME TO mailbox_items;
   CREATE INDEX mailbox_items_expiry ON mailbox_items (expires_at);
   CREATE INDEX mailbox_items_owner ON mailbox_items (owner, cursor);`,
  // 9: team rooms at rest: one sealed snapshot per room (node/store/rooms.ts). A rowid table, not
  // WITHOUT ROWID: snapshots run to megabytes (https://sqlite.org/withoutrowid.html#when_to_use_without_rowid).
  `CREATE TABLE rooms (
     group_id BLOB PRIMARY KEY,
     snapshot BLOB NOT NULL
   );`,
  // 10: each room's history (node/store/rooms.ts): sealed entries written with the room's
  // snapshot, in seq order per room; a replaced entry keeps its seq (AUTOINCREMENT: a seq is
  // never reused, so a reader's "after seq" stays true after deletions)
  `CREATE TABLE room_history (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     group_id BLOB NOT NULL,
     id TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     record BLOB NOT NULL,
     UNIQUE (group_id, id)
   );
   CREATE INDEX room_history_group ON room_history (group_id, seq);
   CREATE INDEX room_history_expiry ON room_history (expires_at) WHERE expires_at > 0;`,
  // 11: contacts to start a new session with, written by `ferry backup import` (a backup keeps no
  // session) and deleted by the daemon as each restart control message is queued
  'CREATE TABLE session_restarts (peer TEXT PRIMARY KEY);',
  // 12: linked devices (docs/DEVICES.md): a contact's other devices, its revoked ones and the
  // sequence of its device list, as one JSON column
  'ALTER TABLE contacts ADD COLUMN devices TEXT;',
  // 13: copies of one message to several devices of a person (docs/DEVICES.md) share the id: the
  // sender's custody is kept per (id, device, host), so one copy's delivery does not drop
  // another's; a host keeps an owner's delivery receipt per (depositor, id, owner device), so one
  // device's receipt does not replace another's. Receipts kept before name no owner ('').
  `CREATE TABLE custody_v13 (id TEXT NOT NULL, peer TEXT NOT NULL, host TEXT NOT NULL, stored_at INTEGER NOT NULL, receipt BLOB NOT NULL, PRIMARY KEY (id, peer, host));
   INSERT OR IGNORE INTO custody_v13 (id, peer, host, stored_at, receipt)
     SELECT c.id, m.peer, c.host, c.stored_at, c.receipt FROM custody c JOIN messages m ON m.id = c.id AND m.direction = 'out' AND m.status = 'stored';
   DROP TABLE custody;
   ALTER TABLE custody_v13 RENAME TO custody;
   CREATE TABLE mailbox_receipts_v13 (depositor TEXT NOT NULL, id TEXT NOT NULL, owner TEXT NOT NULL, receipt BLOB NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (depositor, id, owner));
   INSERT INTO mailbox_receipts_v13 (depositor, id, owner, receipt, expires_at) SELECT depositor, id, '', receipt, expires_at FROM mailbox_receipts;
   DROP TABLE mailbox_receipts;
   ALTER TABLE mailbox_receipts_v13 RENAME TO mailbox_receipts;`,
  // 14: files (node/store/files.ts): the announcement of each file sent or received, sealed at
  // rest (it holds the file's key); each file's chunks under a number that file_blobs maps to the
  // file's root (a sender names its chunks once it has sealed them all: one row changes, not every chunk)
  `CREATE TABLE files (
     id TEXT NOT NULL,
     direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
     peer TEXT NOT NULL,
     root TEXT NOT NULL,
     ref BLOB NOT NULL,
     status TEXT NOT NULL,
     error TEXT,
     created_at INTEGER NOT NULL,
     expires_at INTEGER,
     PRIMARY KEY (direction, id, peer)
   );
   CREATE INDEX files_root ON files (root);
   CREATE INDEX files_fetching ON files (status) WHERE status = 'fetching';
   CREATE INDEX files_expiry ON files (expires_at) WHERE expires_at IS NOT NULL;
   CREATE TABLE file_blobs (blob INTEGER PRIMARY KEY, root TEXT NOT NULL UNIQUE, orphan_until INTEGER);
   CREATE TABLE file_chunks (
     blob INTEGER NOT NULL,
     idx INTEGER NOT NULL,
     data BLOB NOT NULL,
     PRIMARY KEY (blob, idx)
   );`
]

export interface OpenOptions {
  /** 'normal' (default): survives process crashes; 'full': also power loss */
  durability?: 'normal' | 'full'
}

/**
 * Open (creating if needed) and migrate the database at `path`.
 *
 * @throws Error when the file's schema is newer than this Ferry knows
 */
export function openDatabase (path: string, options: OpenOptions = {}): DatabaseSync {
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec(`PRAGMA synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`)
  db.exec('PRAGMA foreign_keys = ON')
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA secure_delete = ON')
  // a checkpoint that cannot truncate (a reader in the way) still leaves the WAL at most this big
  db.exec(`PRAGMA journal_size_limit = ${WAL_LIMIT_BYTES}`)
  migrate(db)
  return db
}

/** The WAL file is cut back to this size after a checkpoint (PRAGMA journal_size_limit). */
export const WAL_LIMIT_BYTES = 4 * 1024 * 1024

/** How soon after a deletion the WAL is checkpointed and truncated (deletions in a burst share one). */
export const ERASE_DELAY_MS = 200

const erasing = new WeakMap<DatabaseSync, ReturnType<typeof setTimeout>>()

/**
 * Something was deleted that must not linger (acknowledged mail at a host, a delivered envelope,
 * a declined request): the deleted rows are overwritten in the database file (secure_delete), but
 * their old pages stay in the WAL until a checkpoint. Checkpoint and truncate the WAL soon,
 * once per burst of deletions.
 */
export function eraseSoon (db: DatabaseSync): void {
  if (erasing.has(db)) return
  const timer = setTimeout(() => {
    erasing.delete(db)
    if (db.isOpen) db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  }, ERASE_DELAY_MS)
  timer.unref?.()
  erasing.set(db, timer)
}

function migrate (db: DatabaseSync): void {
  const version = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version)
  if (version > MIGRATIONS.length) {
    throw new Error(`database schema version ${version} is newer than this Ferry supports (${MIGRATIONS.length}); upgrade Ferry`)
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    transaction(db, () => {
      db.exec(MIGRATIONS[v])
      db.exec(`PRAGMA user_version = ${v + 1}`)
    })
  }
}

/** Run `fn` in one transaction; roll back if it throws. */
export function transaction<T> (db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE')
  try {
    const result = fn()
    db.exec('COMMIT')
    return result
  } catch (err) {
    db.exec('ROLLBACK')
    throw err
  }
}

/** Compiled statements per database, the newest MAX_STATEMENTS kept (SQL that varies, e.g. IN lists, must not grow it without end). */
const statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>()
const MAX_STATEMENTS = 256

/**
 * `db.prepare(sql)`, compiled once: compiling is a parse and a plan, tens of microseconds, which
 * a lookup on every received message (a contact by peer id) paid each time.
 */
export function prepared (db: DatabaseSync, sql: string): StatementSync {
  let cache = statements.get(db)
  if (cache == null) statements.set(db, cache = new Map())
  let s = cache.get(sql)
  if (s == null) {
    if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value as string)
    s = db.prepare(sql)
    cache.set(sql, s)
  }
  return s
}
