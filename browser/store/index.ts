/**
 * The browser's stores (docs/DESIGN.md "Platforms": browser — IndexedDB): one IndexedDB database holds
 * contacts, messages, sessions, prekeys, mailboxes, team rooms and this browser's identity; secrets
 * are sealed with a non-extractable WebCrypto key kept in the same database (browser/store/at-rest.ts).
 *
 * @example
 * const { stores, identity } = await openBrowserStores()
 * let me = (await identity.load())?.identity
 * if (me == null) await identity.save(me = await createIdentity(), 'alice')
 */
import { IdbContactStore } from './contacts.js'
import { deleteDatabase, openDatabase } from './idb.js'
import { IdbIdentityStore } from './identity.js'
import { IdbMailboxStore } from './mailbox.js'
import { IdbMessageStore } from './messages.js'
import { IdbPrekeyStore } from './prekeys.js'
import { IdbRoomStore } from './rooms.js'
import { IdbFileStore } from './files.js'
import { AtRestKey } from './at-rest.js'
import type { Durability } from './idb.js'
import type { IdentityStore } from './identity.js'
import type { FerryStores, FileStore, MailboxStore, RoomStore } from '../../protocol/stores/stores.js'

export { AtRestDecryptError, AtRestKey, recordName } from './at-rest.js'
export { Database, MIGRATIONS, SchemaVersionError, StorageError, STORES } from './idb.js'
export type { Durability, Migration } from './idb.js'
export { IdbContactStore } from './contacts.js'
export { IdbIdentityStore, InvalidIdentityRecordError } from './identity.js'
export type { IdentityStore, StoredIdentity } from './identity.js'
export { IdbMailboxStore } from './mailbox.js'
export { IdbMessageStore } from './messages.js'
export { IdbPrekeyStore } from './prekeys.js'
export { IdbRoomStore } from './rooms.js'
export { IdbFileStore } from './files.js'

/** The default database name. */
export const DEFAULT_DB_NAME = 'ferry'

/** Options of openBrowserStores. */
export interface BrowserStoreOptions {
  /**
   * 'relaxed' (default): a completed write survives a tab or browser crash; 'strict': also a
   * power loss, at the cost of a disk flush per transaction (browser/store/idb.ts)
   */
  durability?: Durability
}

/** The browser's open stores. */
export interface BrowserStores {
  /** the stores createFerry takes, with the mailbox and room stores */
  stores: FerryStores & { mailbox: MailboxStore, rooms: RoomStore, files: FileStore, messages: IdbMessageStore }
  /** this browser's own identity */
  identity: IdentityStore
  /** close the database; pending writes finish first */
  close(): void
}

/**
 * Open (creating and migrating if needed) the IndexedDB database `dbName` and its at-rest key.
 *
 * @throws SchemaVersionError when the database was written by a newer Ferry
 * @throws StorageError when IndexedDB is unavailable (e.g. some private modes) or refuses
 */
export async function openBrowserStores (dbName: string = DEFAULT_DB_NAME, options: BrowserStoreOptions = {}): Promise<BrowserStores> {
  const db = await openDatabase(dbName, { durability: options.durability })
  try {
    const key = await AtRestKey.load(db)
    return {
      stores: {
        contacts: new IdbContactStore(db),
        messages: new IdbMessageStore(db, key),
        prekeys: new IdbPrekeyStore(db, key),
        mailbox: new IdbMailboxStore(db),
        rooms: new IdbRoomStore(db, key),
        files: new IdbFileStore(db, key)
      },
      identity: new IdbIdentityStore(db, key),
      close: () => { db.close() }
    }
  } catch (err) {
    db.close()
    throw err
  }
}

/**
 * Delete the database `dbName` with everything in it, the at-rest key included. Connections of
 * this page and other tabs are closed first (they answer `versionchange` by closing).
 *
 * @throws StorageError when IndexedDB refuses
 */
export async function deleteBrowserStores (dbName: string = DEFAULT_DB_NAME): Promise<void> {
  await deleteDatabase(dbName)
}
