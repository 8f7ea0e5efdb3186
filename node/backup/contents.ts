/**
 * A backup's contents (protocol/backup/contents.ts says what they hold and why) read from a data
 * dir, and written into a new one: the SQLite stores, the key file, config.json, and the tables
 * only a daemon has (where its mail waits, whom it hosts, the contacts to restart sessions with).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { Key } from 'interface-datastore'
import { backupKeys, collectStores, restoredDeviceList, restoredIdentity } from '../../protocol/backup/contents.js'
import { AtRestCipher } from '../at-rest.js'
import { nodeCrypto } from '../crypto.js'
import { restoreKeyFile } from '../keyfile.js'
import { dataPaths } from '../paths.js'
import { readConfig, writeConfig } from '../daemon/config.js'
import { SqliteContactStore } from '../store/contacts.js'
import { SqliteDatastore } from '../store/datastore.js'
import { SqliteMessageStore } from '../store/messages.js'
import { SqliteRoomStore } from '../store/rooms.js'
import { openDatabase, transaction } from '../store/sqlite.js'
import type { KeyFile } from '../keyfile.js'
import type { BackupContents, MailboxOwner } from '../../protocol/backup/contents.js'
import type { DatabaseSync } from 'node:sqlite'

export { CONTENTS_KIND, decodeContents, encodeContents } from '../../protocol/backup/contents.js'
export type { BackupContents, RoomEntry } from '../../protocol/backup/contents.js'

/** Where the daemon keeps the identity's signed device list (protocol/create-ferry.ts). */
const DEVICES_KEY = new Key('/ferry/devices')

/**
 * Read what a backup keeps from `dir` (a running daemon may hold the database: SQLite's WAL lets
 * this process read beside it).
 */
export async function collect (dir: string, keys: KeyFile, options: { history: boolean, now?: number }): Promise<BackupContents> {
  const files = dataPaths(dir)
  const contents = backupKeys(keys.identity, keys.name, options.now ?? Date.now())
  contents.settings.listen = readConfig(files.config).listen
  if (!existsSync(files.db)) return contents // never started: nothing but the keys yet
  const db = openDatabase(files.db)
  try {
    const cipher = new AtRestCipher(keys.storageKey)
    await collectStores(contents, { contacts: new SqliteContactStore(db), rooms: new SqliteRoomStore(db, cipher), messages: new SqliteMessageStore(db, cipher) }, nodeCrypto(), options.history)
    contents.settings.mailboxUse = (db.prepare('SELECT host FROM mailbox_use ORDER BY position').all() as Array<{ host: string }>).map(r => r.host)
    contents.settings.mailboxOwners = (db.prepare('SELECT * FROM mailbox_owners ORDER BY peer').all() as unknown as MailboxOwner[]).map(o => ({ ...o, identity: new Uint8Array(o.identity) }))
    const datastore = new SqliteDatastore(db)
    if (datastore.has(DEVICES_KEY)) contents.devices = datastore.get(DEVICES_KEY)
  } finally {
    db.close()
  }
  return contents
}

/** Whether `dir` holds an identity or a database: an import would overwrite someone. */
export function occupied (dir: string): string | undefined {
  const files = dataPaths(dir)
  if (existsSync(files.key)) return `${dir} holds an identity already (${files.key})`
  if (existsSync(files.db)) return `${dir} holds a database already (${files.db})`
  return undefined
}

/**
 * Write `contents` into the data dir `dir`, which must hold no identity. Everything is written
 * into a new folder beside it first and moved in at the end, the key file last: a failure leaves
 * `dir` as it was. Every contact is marked for a session restart at the daemon's next start.
 *
 * @throws Error when `dir` holds an identity or a database
 */
export async function restore (dir: string, contents: BackupContents, passphrase: string | undefined): Promise<KeyFile> {
  const taken = occupied(dir)
  if (taken != null) throw new Error(`${taken}: import only into a new data dir (--data-dir DIR)`)
  mkdirSync(dirname(dir), { recursive: true })
  const staging = mkdtempSync(join(dirname(dir), `.${basename(dir)}.import-`))
  try {
    const identity = restoredIdentity(contents)
    const devices = await restoredDeviceList(contents)
    const files = dataPaths(staging)
    const keys = restoreKeyFile(files.key, identity, contents.name, passphrase)
    const db = openDatabase(files.db)
    try {
      await fill(db, contents, new AtRestCipher(keys.storageKey))
      if (devices != null) new SqliteDatastore(db).put(DEVICES_KEY, devices)
    } finally {
      db.close()
    }
    if (contents.settings.listen != null && !existsSync(dataPaths(dir).config)) writeConfig(files.config, { listen: contents.settings.listen })
    moveIn(staging, dir)
    return keys
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

async function fill (db: DatabaseSync, c: BackupContents, cipher: AtRestCipher): Promise<void> {
  const contacts = new SqliteContactStore(db)
  for (const contact of c.contacts) await contacts.add(contact)
  for (const peer of c.blocked) await contacts.block(peer, c.createdAt)
  transaction(db, () => {
    c.settings.mailboxUse.forEach((host, i) => db.prepare('INSERT INTO mailbox_use (host, position) VALUES (?, ?)').run(host, i))
    for (const o of c.settings.mailboxOwners) {
      db.prepare('INSERT INTO mailbox_owners (peer, identity, name, quota_bytes, quota_messages, max_ttl_ms, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(o.peer, o.identity, o.name, o.quota_bytes, o.quota_messages, o.max_ttl_ms, o.added_at)
    }
    for (const contact of c.contacts) db.prepare('INSERT INTO session_restarts (peer) VALUES (?)').run(contact.peerId)
  })
  if (c.history != null) new SqliteMessageStore(db, cipher).restoreHistory(c.history)
}

/** Move the staged files into `dir` (made if missing), the key file last. */
function moveIn (staging: string, dir: string): void {
  if (!existsSync(dir)) {
    renameSync(staging, dir)
    return
  }
  const key = basename(dataPaths(dir).key)
  const names = readdirSync(staging).filter(n => n !== key)
  const moved: string[] = []
  try {
    for (const n of [...names, key]) {
      renameSync(join(staging, n), join(dir, n))
      moved.push(n)
    }
  } catch (err) {
    for (const n of moved) rmSync(join(dir, n), { force: true })
    throw err
  }
}
