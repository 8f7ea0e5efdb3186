/**
 * A small promise wrapper over IndexedDB, and Ferry's schema (docs/DESIGN.md "Platforms": browser —
 * IndexedDB).
 *
 * Writes (invariant 3): `Database.write` resolves only on the transaction's `complete` event, so a
 * resolved write is committed, and rejects on `error`/`abort`. Work inside a transaction may await
 * only IndexedDB requests: a transaction commits by itself as soon as no request is pending at the
 * end of a task, so awaiting anything else (WebCrypto, timers) would commit it half-done. Values
 * are therefore sealed before a transaction opens and opened after it completes
 * (browser/store/at-rest.ts). A transaction that finishes before its work did is reported as an
 * error, never silently.
 *
 * Durability: 'relaxed' by default, like SQLite's WAL with synchronous=NORMAL on the Node side.
 * With 'relaxed', Chrome hands the commit to the operating system before `complete` fires but does
 * not fsync: it survives a crash of the tab, the renderer or the whole browser process, not a power
 * loss or kernel crash. 'strict' also fsyncs before `complete` (survives power loss) and costs a
 * disk flush per transaction; it is an option of openBrowserStores, as `durability: 'full'` is for
 * SQLite. The hint is always passed explicitly: browsers' defaults differ and have changed.
 *
 * Schema: MIGRATIONS[v - 1] upgrades a database from version v - 1 to v inside `onupgradeneeded`
 * (the browser runs it in one versionchange transaction: all or nothing), like the SQLite
 * migrations in node/store/sqlite.ts. Later versions append a migration; they never edit one.
 */

/** IndexedDB refused or lost a request or transaction (quota, I/O, a closed database). */
export class StorageError extends Error {
  override name = 'StorageError'
}

/** The database was written by a newer Ferry than this one: upgrade the page. */
export class SchemaVersionError extends Error {
  override name = 'SchemaVersionError'
}

/** How hard a committed transaction is pushed to disk (see the file header). */
export type Durability = 'relaxed' | 'strict'

/** Object store names. */
export const STORES = {
  meta: 'meta',
  keys: 'keys',
  identity: 'identity',
  contacts: 'contacts',
  messages: 'messages',
  sessions: 'sessions',
  capabilities: 'capabilities',
  prekeys: 'prekeys',
  oneTimePrekeys: 'oneTimePrekeys',
  seenInitial: 'seenInitial',
  mailboxOwners: 'mailboxOwners',
  mailboxItems: 'mailboxItems',
  mailboxUsage: 'mailboxUsage',
  mailboxReceipts: 'mailboxReceipts',
  mailboxRevoked: 'mailboxRevoked',
  mailboxPrekeys: 'mailboxPrekeys',
  capabilitiesIssued: 'capabilitiesIssued',
  requests: 'requests',
  blocked: 'blocked',
  rooms: 'rooms',
  roomHistory: 'roomHistory',
  files: 'files',
  fileBlobs: 'fileBlobs',
  fileChunks: 'fileChunks'
} as const

/** One schema step, run inside `onupgradeneeded`. */
export type Migration = (db: IDBDatabase, tx: IDBTransaction) => void

/**
 * Ferry's schema versions; the index + 1 is the IndexedDB version. Sparse indexes: a record is
 * left out of an index when the indexed field is absent, so `expiry`, `currentKind` and `unissued`
 * are set only on the records the index must find.
 */
export const MIGRATIONS: Migration[] = [
  (db) => {
    db.createObjectStore(STORES.meta) // counters and small settings, out-of-line keys
    db.createObjectStore(STORES.keys) // the at-rest CryptoKey
    db.createObjectStore(STORES.identity) // this browser's sealed identity

    const contacts = db.createObjectStore(STORES.contacts, { keyPath: 'name' })
    contacts.createIndex('peerId', 'peerId', { unique: true })

    const messages = db.createObjectStore(STORES.messages, { keyPath: 'seq', autoIncrement: true })
    messages.createIndex('byId', ['direction', 'id'], { unique: true })
    messages.createIndex('peer', ['peer', 'seq'])
    messages.createIndex('rev', 'rev')
    messages.createIndex('status', ['direction', 'status', 'seq'])
    messages.createIndex('statusPeer', ['direction', 'status', 'peer', 'seq'])
    messages.createIndex('expiry', 'expiry') // disappearing, or outgoing and undelivered
    db.createObjectStore(STORES.sessions, { keyPath: 'peer' })
    db.createObjectStore(STORES.capabilities, { keyPath: 'owner' })

    const prekeys = db.createObjectStore(STORES.prekeys, { keyPath: ['kind', 'id'] })
    prekeys.createIndex('current', 'currentKind', { unique: true }) // at most one current per kind
    const oneTime = db.createObjectStore(STORES.oneTimePrekeys, { keyPath: 'id' })
    oneTime.createIndex('unissued', 'unissued')
    const seen = db.createObjectStore(STORES.seenInitial, { keyPath: 'hash' })
    seen.createIndex('signedPrekey', 'signedPrekeyId')

    db.createObjectStore(STORES.mailboxOwners, { keyPath: 'peer' })
    const items = db.createObjectStore(STORES.mailboxItems, { keyPath: 'cursor', autoIncrement: true })
    items.createIndex('ownerId', ['owner', 'id'], { unique: true })
    items.createIndex('ownerCursor', ['owner', 'cursor'])
    items.createIndex('expiry', 'expiresAt')
    db.createObjectStore(STORES.mailboxUsage) // 'total', 'o:OWNER', 'd:OWNER/DEPOSITOR'
    const receipts = db.createObjectStore(STORES.mailboxReceipts, { keyPath: ['depositor', 'id'] })
    receipts.createIndex('expiry', 'expiresAt')
    db.createObjectStore(STORES.mailboxRevoked, { keyPath: ['owner', 'sender'] })
    const mailboxPrekeys = db.createObjectStore(STORES.mailboxPrekeys, { keyPath: 'seq', autoIncrement: true })
    mailboxPrekeys.createIndex('owner', ['owner', 'seq'])
    db.createObjectStore(STORES.capabilitiesIssued, { keyPath: 'peer' })
  },
  // 2: received ids are unique per sender (byId stays for outgoing lookups; bySender is unique);
  // message requests from peers who are not contacts wait apart; blocked peers
  (db, tx) => {
    const messages = tx.objectStore(STORES.messages)
    messages.deleteIndex('byId')
    messages.createIndex('byId', ['direction', 'id'])
    messages.createIndex('bySender', ['direction', 'peer', 'id'], { unique: true })
    const requests = db.createObjectStore(STORES.requests, { keyPath: 'seq', autoIncrement: true })
    requests.createIndex('peerId', ['peer', 'id'], { unique: true })
    requests.createIndex('peer', ['peer', 'seq'])
    requests.createIndex('expiry', 'expiry') // disappearing requests only
    db.createObjectStore(STORES.blocked, { keyPath: 'peer' })
    // mail at a host is kept per (owner, depositor, id): a depositor cannot squat another's id
    const items = tx.objectStore(STORES.mailboxItems)
    items.deleteIndex('ownerId')
    items.createIndex('ownerDepositorId', ['owner', 'depositor', 'id'], { unique: true })
  },
  // 3: team rooms at rest: one sealed snapshot per room, keyed by the group id in hex (browser/store/rooms.ts)
  (db) => {
    db.createObjectStore(STORES.rooms, { keyPath: 'group' })
  },
  // 4: each room's history, sealed entries by an increasing seq (browser/store/rooms.ts); `expiry`
  // is set only on entries that expire
  (db) => {
    const history = db.createObjectStore(STORES.roomHistory, { keyPath: 'seq', autoIncrement: true })
    history.createIndex('groupId', ['group', 'id'], { unique: true })
    history.createIndex('groupSeq', ['group', 'seq'])
    history.createIndex('expiry', 'expiry')
  },
  // 5: files (browser/store/files.ts): each file's sealed announcement keyed by direction, id and
  // peer; each root's chunks under a blob number (renaming a sealed file changes one record)
  (db) => {
    const files = db.createObjectStore(STORES.files, { keyPath: ['direction', 'id', 'peer'] })
    files.createIndex('id', 'id')
    files.createIndex('root', 'root')
    files.createIndex('fetching', 'fetching')
    files.createIndex('expiry', 'expiry')
    const blobs = db.createObjectStore(STORES.fileBlobs, { keyPath: 'blob', autoIncrement: true })
    blobs.createIndex('root', 'root', { unique: true })
    db.createObjectStore(STORES.fileChunks, { keyPath: ['blob', 'idx'] })
  }
]

/** A key range holding every compound key that starts with `prefix` (arrays sort after all other keys). */
export function prefixRange (...prefix: IDBValidKey[]): IDBKeyRange {
  return IDBKeyRange.bound(prefix, [...prefix, []])
}

/**
 * The result of one request.
 *
 * @throws StorageError when the request fails
 */
export async function request<T> (req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(storageError('request', req.error)) }
  })
}

/**
 * Walk a cursor; `visit` runs synchronously at each record (it may update or delete through the
 * cursor and issue requests) and returns false to stop.
 */
export async function walk (req: IDBRequest<IDBCursorWithValue | null>, visit: (cursor: IDBCursorWithValue) => boolean | void): Promise<void> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => {
      const cursor = req.result
      if (cursor == null) { resolve(); return }
      try {
        if (visit(cursor) === false) resolve()
        else cursor.continue()
      } catch (err) {
        reject(err)
      }
    }
    req.onerror = () => { reject(storageError('cursor', req.error)) }
  })
}

function storageError (what: string, cause: DOMException | null): StorageError {
  return new StorageError(`IndexedDB ${what} failed: ${cause?.name ?? 'unknown error'}${cause?.message == null || cause.message === '' ? '' : ` (${cause.message})`}`, { cause })
}

/** An open Ferry database. */
export class Database {
  constructor (readonly idb: IDBDatabase, private readonly durability: Durability) {}

  /**
   * Run `work` in one read-write transaction over `stores`. Resolves with its result once the
   * transaction completed (the data is committed); if `work` throws, the transaction is aborted and
   * nothing it wrote stays. `work` may await only requests of `tx`.
   *
   * @throws StorageError when IndexedDB fails or aborts the transaction
   */
  async write<T> (stores: string[], work: (tx: IDBTransaction) => Promise<T> | T): Promise<T> {
    return this.run('readwrite', stores, work)
  }

  /** Run `work` in one read-only transaction; resolves with its result once it completed. */
  async read<T> (stores: string[], work: (tx: IDBTransaction) => Promise<T> | T): Promise<T> {
    return this.run('readonly', stores, work)
  }

  /** Close the connection; pending transactions finish first. */
  close (): void {
    this.idb.close()
  }

  private async run<T> (mode: IDBTransactionMode, stores: string[], work: (tx: IDBTransaction) => Promise<T> | T): Promise<T> {
    let tx: IDBTransaction
    try {
      tx = this.idb.transaction(stores, mode, { durability: this.durability })
    } catch (err) {
      throw new StorageError(`cannot start an IndexedDB transaction: ${(err as Error).message}`, { cause: err })
    }
    return new Promise<T>((resolve, reject) => {
      let outcome: { ok: true, value: T } | { ok: false, error: unknown } | undefined
      tx.oncomplete = () => {
        if (outcome?.ok === true) resolve(outcome.value)
        else reject(new StorageError('the IndexedDB transaction committed before its work finished (it awaited something other than a request)'))
      }
      tx.onabort = () => { reject(outcome?.ok === false ? outcome.error : storageError('transaction', tx.error)) }
      const done = (async () => work(tx))()
      done.then(value => {
        outcome = { ok: true, value }
        try { tx.commit() } catch {} // already committing: fine
      }, error => {
        outcome = { ok: false, error }
        try { tx.abort() } catch {} // already aborted by the failed request
      })
    })
  }
}

/**
 * Open (creating or upgrading) the database `name` with `migrations`. Another tab that holds an
 * older version open is asked to close through `versionchange`; Ferry's own connections do.
 *
 * @throws SchemaVersionError when the stored schema is newer than `migrations`
 * @throws StorageError when IndexedDB is unavailable or refuses
 */
export async function openDatabase (name: string, options: { durability?: Durability, migrations?: Migration[] } = {}): Promise<Database> {
  const migrations = options.migrations ?? MIGRATIONS
  const idb = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(name, migrations.length)
    req.onupgradeneeded = (event) => {
      const tx = req.transaction
      if (tx == null) return
      for (let v = event.oldVersion; v < migrations.length; v++) migrations[v](req.result, tx)
    }
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => {
      const err = req.error
      reject(err?.name === 'VersionError'
        ? new SchemaVersionError(`the database "${name}" was written by a newer Ferry (schema newer than version ${migrations.length}); reload or upgrade Ferry`)
        : storageError('open', err))
    }
  })
  idb.onversionchange = () => { idb.close() } // let another tab upgrade or delete the database
  return new Database(idb, options.durability ?? 'relaxed')
}

/**
 * Delete the database `name` and everything in it.
 *
 * @throws StorageError when IndexedDB refuses
 */
export async function deleteDatabase (name: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name)
    req.onsuccess = () => { resolve() }
    req.onerror = () => { reject(storageError('delete', req.error)) }
  })
}
