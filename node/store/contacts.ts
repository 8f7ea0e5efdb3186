import { ContactExistsError, UnknownContactError } from '../../protocol/index.js'
import type { Contact, ContactStore } from '../../protocol/index.js'
import { prepared } from './sqlite.js'
import type { DatabaseSync } from 'node:sqlite'

interface ContactRow { name: string, peer_id: string, identity: Uint8Array | null, addresses: string, added_at: number, verified: number, pending_identity: Uint8Array | null, bundle: Uint8Array | null, expires_ms: number | null, mailboxes: string | null, devices: string | null }

function toContact (r: ContactRow): Contact {
  const c: Contact = { name: r.name, peerId: r.peer_id, addresses: JSON.parse(r.addresses), addedAt: Number(r.added_at) }
  if (r.identity != null) c.identity = new Uint8Array(r.identity)
  if (Number(r.verified) === 1) c.verified = true
  if (r.pending_identity != null) c.pendingIdentity = new Uint8Array(r.pending_identity)
  if (r.bundle != null) c.bundle = new Uint8Array(r.bundle)
  if (r.expires_ms != null) c.expiresMs = Number(r.expires_ms)
  if (r.mailboxes != null) c.mailboxes = JSON.parse(r.mailboxes)
  if (r.devices != null) {
    const d = JSON.parse(r.devices)
    c.devices = d.devices.map((x: any) => ({ peer: x.peer, addrs: x.addrs, ...(x.bundle == null ? {} : { bundle: new Uint8Array(Buffer.from(x.bundle, 'base64')) }) }))
    c.revokedDevices = d.revoked
    c.devicesSeq = d.seq
  }
  return c
}

/** A contact's other devices as one JSON column (docs/DEVICES.md). */
function devicesJson (c: Contact): string | null {
  if (c.devices == null && c.revokedDevices == null) return null
  return JSON.stringify({ devices: (c.devices ?? []).map(d => ({ peer: d.peer, addrs: d.addrs, bundle: d.bundle == null ? undefined : Buffer.from(d.bundle).toString('base64') })), revoked: c.revokedDevices ?? [], seq: c.devicesSeq ?? 0 })
}

/** Contacts in SQLite. */
export class SqliteContactStore implements ContactStore {
  constructor (private readonly db: DatabaseSync) {}

  async add (c: Contact): Promise<void> {
    const byPeer = await this.getByPeer(c.peerId)
    if (byPeer != null) throw new ContactExistsError(`that peer is already your contact "${byPeer.name}"`)
    if (await this.get(c.name) != null) throw new ContactExistsError(`a contact named "${c.name}" exists already`)
    prepared(this.db, 'INSERT INTO contacts (name, peer_id, identity, addresses, added_at, verified, pending_identity, bundle, expires_ms, mailboxes, devices) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(c.name, c.peerId, c.identity ?? null, JSON.stringify(c.addresses), c.addedAt, c.verified === true ? 1 : 0, c.pendingIdentity ?? null, c.bundle ?? null, c.expiresMs ?? null, c.mailboxes == null ? null : JSON.stringify(c.mailboxes), devicesJson(c))
  }

  async update (c: Contact): Promise<void> {
    const r = prepared(this.db, 'UPDATE contacts SET peer_id = ?, identity = ?, addresses = ?, added_at = ?, verified = ?, pending_identity = ?, bundle = ?, expires_ms = ?, mailboxes = ?, devices = ? WHERE name = ?')
      .run(c.peerId, c.identity ?? null, JSON.stringify(c.addresses), c.addedAt, c.verified === true ? 1 : 0, c.pendingIdentity ?? null, c.bundle ?? null, c.expiresMs ?? null, c.mailboxes == null ? null : JSON.stringify(c.mailboxes), devicesJson(c), c.name)
    if (Number(r.changes) === 0) throw new UnknownContactError(`no contact named "${c.name}"`)
  }

  async get (name: string): Promise<Contact | undefined> {
    const r = prepared(this.db, 'SELECT * FROM contacts WHERE name = ?').get(name) as ContactRow | undefined
    return r == null ? undefined : toContact(r)
  }

  async getByPeer (peerId: string): Promise<Contact | undefined> {
    const r = (prepared(this.db, 'SELECT * FROM contacts WHERE peer_id = ?').get(peerId) ??
      prepared(this.db, 'SELECT * FROM contacts WHERE devices IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(devices, \'$.devices\') WHERE json_extract(value, \'$.peer\') = ?)').get(peerId)) as ContactRow | undefined
    return r == null ? undefined : toContact(r)
  }

  async list (): Promise<Contact[]> {
    return (prepared(this.db, 'SELECT * FROM contacts ORDER BY name').all() as unknown as ContactRow[]).map(toContact)
  }

  async remove (name: string): Promise<void> {
    if (Number(prepared(this.db, 'DELETE FROM contacts WHERE name = ?').run(name).changes) === 0) throw new UnknownContactError(`no contact named "${name}"`)
  }

  async block (peer: string, at: number): Promise<void> {
    prepared(this.db, 'INSERT INTO blocked (peer, blocked_at) VALUES (?, ?) ON CONFLICT (peer) DO NOTHING').run(peer, at)
  }

  async unblock (peer: string): Promise<void> {
    prepared(this.db, 'DELETE FROM blocked WHERE peer = ?').run(peer)
  }

  async blocked (): Promise<string[]> {
    return (prepared(this.db, 'SELECT peer FROM blocked ORDER BY peer').all() as Array<{ peer: string }>).map(r => r.peer)
  }
}
