/**
 * What a backup holds (docs/BACKUP.md "What is in a backup"), in the form both platforms write
 * and read: the identity and device keys and device certificate (the restored peer is the same
 * device), contacts with their identity keys, addresses, names, verification and timers, the
 * block list, the team rooms this user is in (id, name, members: to be re-added), where this
 * user's mail waits and whom it hosts, and with history the conversations' text messages. Out:
 * Double Ratchet sessions (state from a backup would reuse message keys), prekeys (new ones are
 * made and published), room key state (the same reason as sessions), mail held for others,
 * message requests and the libp2p datastore. The platform reads and writes its own settings.
 */
import { privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { heldIdentityKey, identityKeyFromBytes, identityToString } from '../crypto/identity.js'
import { MembershipLog } from '../groups/membership.js'
import { RoomSnapshot } from '../groups/pb/groups.js'
import { toHex } from '../util/bytes.js'
import { decodeDeviceList } from '../devices/device-list.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Identity } from '../crypto/identity.js'
import type { ContactStore, Contact } from '../stores/contacts.js'
import type { RoomStore } from '../stores/rooms.js'
import type { MessageRecord, MessageStore } from '../stores/stores.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

export const CONTENTS_KIND = 'ferry-backup'

/** A team room as the backup names it: enough to ask an admin to add this user again. */
export interface RoomEntry { id: string, name: string, members: Array<{ identity: string, role: string }> }

/** Someone whose mail this user's daemon keeps (`ferry mailbox host`), with its quotas. */
export interface MailboxOwner { peer: string, identity: Uint8Array, name: string, quota_bytes: number, quota_messages: number, max_ttl_ms: number, added_at: number }

export interface BackupContents {
  kind: typeof CONTENTS_KIND
  createdAt: number
  name: string
  /** private keys as libp2p protobuf bytes (the identity's public key alone in what a link hands a device), and the device certificate */
  keys: { identityKey: Uint8Array, deviceKey: Uint8Array, deviceSignature: Uint8Array }
  contacts: Contact[]
  blocked: string[]
  rooms: RoomEntry[]
  /**
   * listen addresses (a daemon's config.json), where this user's mail waits, whom it hosts; a
   * browser's daemons and STUN/TURN servers. Each platform restores what it has.
   */
  settings: { listen?: string[], mailboxUse: string[], mailboxOwners: MailboxOwner[], browser?: { daemons: string[], iceServers: unknown[] } }
  /** text messages, when history was asked for */
  history?: MessageRecord[]
  /**
   * the identity's signed device list (docs/DEVICES.md), so a restored device knows the person's
   * other devices and every revocation; absent in backups made before linked devices
   */
  devices?: Uint8Array
}

/** JSON with byte arrays as {$b: base64}, as the stores' sealed records write them. */
const replacer = (_key: string, value: unknown): unknown =>
  value instanceof Uint8Array ? { $b: toString(value, 'base64pad') } : value
const reviver = (_key: string, value: any): unknown =>
  value != null && typeof value === 'object' && typeof value.$b === 'string' && Object.keys(value).length === 1 ? fromString(value.$b.replace(/=+$/, ''), 'base64') : value

/** Encode contents as JSON (bytes as base64), the plaintext the backup file seals. */
export function encodeContents (c: BackupContents): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(c, replacer))
}

/**
 * @throws Error when the bytes are not backup contents (a file sealed right cannot hold those,
 *   unless a future Ferry wrote them)
 */
export function decodeContents (bytes: Uint8Array): BackupContents {
  let c: any
  try {
    c = JSON.parse(new TextDecoder().decode(bytes), reviver)
  } catch {
    throw new Error('the backup opened, but its contents are not readable')
  }
  if (c?.kind !== CONTENTS_KIND || c.keys == null || !Array.isArray(c.contacts)) throw new Error('the backup opened, but its contents are not a Ferry identity')
  return c as BackupContents
}

/** The contents' first part: the keys, with nothing else yet (the platform fills the rest). */
export function backupKeys (identity: Identity, name: string, createdAt: number): BackupContents {
  return {
    kind: CONTENTS_KIND,
    createdAt,
    name,
    keys: { identityKey: privateKeyToProtobuf(heldIdentityKey(identity.identityKey)), deviceKey: privateKeyToProtobuf(identity.deviceKey), deviceSignature: identity.deviceSignature },
    contacts: [],
    blocked: [],
    rooms: [],
    settings: { mailboxUse: [], mailboxOwners: [] }
  }
}

/** Fill in what every platform keeps in the shared store interfaces: contacts, blocks, rooms and (asked for) history. */
export async function collectStores (contents: BackupContents, stores: { contacts: ContactStore, rooms?: RoomStore, messages: MessageStore }, crypto: CryptoBackend, history: boolean): Promise<BackupContents> {
  contents.contacts = await stores.contacts.list()
  contents.blocked = await stores.contacts.blocked()
  contents.rooms = stores.rooms == null ? [] : await backupRooms(stores.rooms, crypto)
  if (history) contents.history = await stores.messages.list()
  return contents
}

/** Each room's id, name and members, from its membership log (the key state is left out). */
async function backupRooms (store: RoomStore, crypto: CryptoBackend): Promise<RoomEntry[]> {
  const out: RoomEntry[] = []
  for (const id of await store.listRooms()) {
    const snapshot = await store.getRoom(id)
    if (snapshot == null) continue
    const state = (await MembershipLog.fromOps(RoomSnapshot.decode(snapshot).ops, crypto)).state()
    out.push({ id: toHex(id), name: state.name, members: state.members.map(m => ({ identity: identityToString(m.identity), role: m.role })) })
  }
  return out
}

/**
 * The backup's device list, checked: signed by the backup's identity and naming this device.
 *
 * @throws Error when it is not (the file opened, so only a future or faulty Ferry wrote it)
 */
export async function restoredDeviceList (contents: BackupContents): Promise<Uint8Array | undefined> {
  if (contents.devices == null) return undefined
  const identity = restoredIdentity(contents)
  try {
    const list = await decodeDeviceList(contents.devices, identity.identityKey.publicKey.raw)
    if (!list.devices.some(d => d.peer === identity.deviceKey.publicKey.toString())) throw new Error('it does not list this device')
  } catch (err: any) {
    throw new Error(`the backup opened, but its device list is not usable: ${String(err.message)}`)
  }
  return contents.devices
}

const key = (bytes: Uint8Array): Ed25519PrivateKey => privateKeyFromProtobuf(bytes) as Ed25519PrivateKey

/** The identity a backup holds. */
export function restoredIdentity (contents: BackupContents): Identity {
  return { identityKey: identityKeyFromBytes(contents.keys.identityKey), deviceKey: key(contents.keys.deviceKey), deviceSignature: contents.keys.deviceSignature }
}
