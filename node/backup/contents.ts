/**
 * What a backup holds (docs/BACKUP.md "What is in a backup"), read from a data dir and written
 * into a new one. In: the identity and device keys and device certificate (the restored node is
 * the same device), contacts with their identity keys, addresses, names, verification and
 * timers, the block list, the team rooms this user is in (id, name, members: to be re-added),
 * where this user's mail waits and whom it hosts, the listen addresses, and with --history the
 * conversations' text messages. Out: Double Ratchet sessions (state from a backup would reuse
 * message keys), prekeys (new ones are made and published), room key state (the same reason as
 * sessions), mail held for others, message requests and the libp2p datastore.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { identityToString } from '../../protocol/index.js'
import { MembershipLog } from '../../protocol/groups/membership.js'
import { RoomSnapshot } from '../../protocol/groups/pb/groups.js'
import { AtRestCipher } from '../at-rest.js'
import { nodeCrypto } from '../crypto.js'
import { restoreKeyFile } from '../keyfile.js'
import { dataPaths } from '../paths.js'
import { readConfig, writeConfig } from '../daemon/config.js'
import { SqliteContactStore } from '../store/contacts.js'
import { SqliteMessageStore } from '../store/messages.js'
import { SqliteRoomStore } from '../store/rooms.js'
import { SealedJson } from '../store/sealed-json.js'
import { openDatabase, transaction } from '../store/sqlite.js'
import type { KeyFile } from '../keyfile.js'
import type { Contact, MessageRecord } from '../../protocol/index.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { DatabaseSync } from 'node:sqlite'

export const CONTENTS_KIND = 'ferry-backup'

/** A team room as the backup names it: enough to ask an admin to add this user again. */
export interface RoomEntry { id: string, name: string, members: Array<{ identity: string, role: string }> }

interface MailboxOwner { peer: string, identity: Uint8Array, name: string, quota_bytes: number, quota_messages: number, max_ttl_ms: number, added_at: number }

export interface BackupContents {
  kind: typeof CONTENTS_KIND
  createdAt: number
  name: string
  /** private keys as libp2p protobuf bytes, and the identity's signature over the device key */
  keys: { identityKey: Uint8Array, deviceKey: Uint8Array, deviceSignature: Uint8Array }
  contacts: Contact[]
  blocked: string[]
  rooms: RoomEntry[]
  settings: { listen?: string[], mailboxUse: string[], mailboxOwners: MailboxOwner[] }
  /** text messages, with --history only */
  history?: MessageRecord[]
}

/** Encode contents as JSON (bytes as base64), the plaintext the backup file seals. */
export function encodeContents (c: BackupContents): Uint8Array {
  return new SealedJson().encode(c, '')
}

/**
 * @throws Error when the bytes are not backup contents (a file sealed right cannot hold those,
 *   unless a future Ferry wrote them)
 */
export function decodeContents (bytes: Uint8Array): BackupContents {
  let c: any
  try {
    c = new SealedJson().decode(bytes, '')
  } catch {
    throw new Error('the backup opened, but its contents are not readable')
  }
  if (c?.kind !== CONTENTS_KIND || c.keys == null || !Array.isArray(c.contacts)) throw new Error('the backup opened, but its contents are not a Ferry identity')
  return c as BackupContents
}

/**
 * Read what a backup keeps from `dir` (a running daemon may hold the database: SQLite's WAL lets
 * this process read beside it).
 */
export async function collect (dir: string, keys: KeyFile, options: { history: boolean, now?: number }): Promise<BackupContents> {
  const files = dataPaths(dir)
  const contents: BackupContents = {
    kind: CONTENTS_KIND,
    createdAt: options.now ?? Date.now(),
    name: keys.name,
    keys: { identityKey: privateKeyToProtobuf(keys.identity.identityKey), deviceKey: privateKeyToProtobuf(keys.identity.deviceKey), deviceSignature: keys.identity.deviceSignature },
    contacts: [],
    blocked: [],
    rooms: [],
    settings: { listen: readConfig(files.config).listen, mailboxUse: [], mailboxOwners: [] }
  }
  if (!existsSync(files.db)) return contents // never started: nothing but the keys yet
  const db = openDatabase(files.db)
  try {
    const cipher = new AtRestCipher(keys.storageKey)
    const contacts = new SqliteContactStore(db)
    contents.contacts = await contacts.list()
    contents.blocked = await contacts.blocked()
    contents.rooms = await rooms(new SqliteRoomStore(db, cipher))
    contents.settings.mailboxUse = (db.prepare('SELECT host FROM mailbox_use ORDER BY position').all() as Array<{ host: string }>).map(r => r.host)
    contents.settings.mailboxOwners = (db.prepare('SELECT * FROM mailbox_owners ORDER BY peer').all() as unknown as MailboxOwner[]).map(o => ({ ...o, identity: new Uint8Array(o.identity) }))
    if (options.history) contents.history = await new SqliteMessageStore(db, cipher).list()
  } finally {
    db.close()
  }
  return contents
}

/** Each room's id, name and members, from its membership log (the key state is left out). */
async function rooms (store: SqliteRoomStore): Promise<RoomEntry[]> {
  const out: RoomEntry[] = []
  for (const id of await store.listRooms()) {
    const snapshot = await store.getRoom(id)
    if (snapshot == null) continue
    const state = (await MembershipLog.fromOps(RoomSnapshot.decode(snapshot).ops, nodeCrypto())).state()
    out.push({ id: Buffer.from(id).toString('hex'), name: state.name, members: state.members.map(m => ({ identity: identityToString(m.identity), role: m.role })) })
  }
  return out
}

/** Whether `dir` holds an identity or a database: an import would overwrite someone. */
export function occupied (dir: string): string | undefined {
  const files = dataPaths(dir)
  if (existsSync(files.key)) return `${dir} holds an identity already (${files.key})`
  if (existsSync(files.db)) return `${dir} holds a database already (${files.db})`
  return undefined
}

const key = (bytes: Uint8Array): Ed25519PrivateKey => privateKeyFromProtobuf(bytes) as Ed25519PrivateKey

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
    const identity = { identityKey: key(contents.keys.identityKey), deviceKey: key(contents.keys.deviceKey), deviceSignature: contents.keys.deviceSignature }
    const files = dataPaths(staging)
    const keys = restoreKeyFile(files.key, identity, contents.name, passphrase)
    const db = openDatabase(files.db)
    try {
      await fill(db, contents, new AtRestCipher(keys.storageKey))
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
