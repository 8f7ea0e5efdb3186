/**
 * Contacts in IndexedDB, keyed by name with a unique index on the peer id. Like the SQLite store,
 * contacts are not sealed: they hold public keys, addresses and public prekey bundles, and the
 * peer id index must be readable to find a contact by its connection.
 */
import { ContactExistsError, UnknownContactError } from '../../protocol/errors.js'
import { request, STORES } from './idb.js'
import type { Database } from './idb.js'
import type { Contact, ContactStore } from '../../protocol/stores/stores.js'

/**
 * The stored form of a contact: only the fields that are set, byte arrays copied (a view on a
 * larger buffer would store the whole buffer), so what comes back equals what SQLite returns.
 */
function clean (c: Contact): Contact {
  const out: Contact = { name: c.name, peerId: c.peerId, addresses: [...c.addresses], addedAt: c.addedAt }
  if (c.identity != null) out.identity = c.identity.slice()
  if (c.verified === true) out.verified = true
  if (c.pendingIdentity != null) out.pendingIdentity = c.pendingIdentity.slice()
  if (c.bundle != null) out.bundle = c.bundle.slice()
  if (c.expiresMs != null) out.expiresMs = c.expiresMs
  if (c.mailboxes != null) out.mailboxes = c.mailboxes.map(m => ({ peer: m.peer, addrs: [...m.addrs] }))
  if (c.devices != null) out.devices = c.devices.map(d => ({ peer: d.peer, addrs: [...d.addrs], ...(d.bundle == null ? {} : { bundle: d.bundle.slice() }) }))
  if (c.revokedDevices != null) out.revokedDevices = [...c.revokedDevices]
  if (c.devicesSeq != null) out.devicesSeq = c.devicesSeq
  return out
}

/** ContactStore on IndexedDB. */
export class IdbContactStore implements ContactStore {
  constructor (private readonly db: Database) {}

  async add (contact: Contact): Promise<void> {
    const row = clean(contact)
    await this.db.write([STORES.contacts], async tx => {
      const store = tx.objectStore(STORES.contacts)
      const byPeer = await request<Contact | undefined>(store.index('peerId').get(row.peerId))
      if (byPeer != null) throw new ContactExistsError(`that peer is already your contact "${byPeer.name}"`)
      if (await request(store.getKey(row.name)) != null) throw new ContactExistsError(`a contact named "${row.name}" exists already`)
      store.add(row)
    })
  }

  async update (contact: Contact): Promise<void> {
    const row = clean(contact)
    await this.db.write([STORES.contacts], async tx => {
      const store = tx.objectStore(STORES.contacts)
      if (await request(store.getKey(row.name)) == null) throw new UnknownContactError(`no contact named "${row.name}"`)
      const byPeer = await request<Contact | undefined>(store.index('peerId').get(row.peerId))
      if (byPeer != null && byPeer.name !== row.name) throw new ContactExistsError(`that peer is already your contact "${byPeer.name}"`)
      store.put(row)
    })
  }

  async get (name: string): Promise<Contact | undefined> {
    return this.db.read([STORES.contacts], async tx => request<Contact | undefined>(tx.objectStore(STORES.contacts).get(name)))
  }

  async getByPeer (peerId: string): Promise<Contact | undefined> {
    const primary = await this.db.read([STORES.contacts], async tx => request<Contact | undefined>(tx.objectStore(STORES.contacts).index('peerId').get(peerId)))
    return primary ?? (await this.list()).find(c => c.devices?.some(d => d.peer === peerId) === true)
  }

  /** Every contact, sorted by name (key order: UTF-16 code units, as the in-memory store sorts). */
  async list (): Promise<Contact[]> {
    return this.db.read([STORES.contacts], async tx => request<Contact[]>(tx.objectStore(STORES.contacts).getAll()))
  }

  async remove (name: string): Promise<void> {
    await this.db.write([STORES.contacts], async tx => {
      const store = tx.objectStore(STORES.contacts)
      if (await request(store.getKey(name)) == null) throw new UnknownContactError(`no contact named "${name}"`)
      store.delete(name)
    })
  }

  async block (peer: string, at: number): Promise<void> {
    await this.db.write([STORES.blocked], async tx => {
      const store = tx.objectStore(STORES.blocked)
      if (await request(store.getKey(peer)) == null) store.put({ peer, blockedAt: at })
    })
  }

  async unblock (peer: string): Promise<void> {
    await this.db.write([STORES.blocked], tx => { tx.objectStore(STORES.blocked).delete(peer) })
  }

  async blocked (): Promise<string[]> {
    return this.db.read([STORES.blocked], async tx => (await request<IDBValidKey[]>(tx.objectStore(STORES.blocked).getAllKeys())).map(String))
  }
}
