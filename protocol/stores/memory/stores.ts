/**
 * In-memory stores for unit tests and in-process simulation. Same contract as SQLite/IndexedDB
 * (the compliance suite in test/protocol/stores.suite.ts runs against all of them), not durable.
 */
import { MemoryPrekeyStore } from './prekeys.js'
import { MemoryMailboxStore } from './mailbox.js'
import { MemoryRoomStore } from './rooms.js'
import { MemoryFileStore } from './files.js'
import { ContactExistsError, InvalidEnvelopeError, UnknownContactError } from '../../errors.js'
import type { Contact, ContactStore, Custody, Delivered, FerryStores, IncomingMessage, ListOptions, MessageRecord, MessageRequest, MessageStatus, MessageStore, OutgoingMessage, QueuedMessage, RequestUsage, StoreResult } from '../stores.js'

export class MemoryContactStore implements ContactStore {
  private readonly byName = new Map<string, Contact>()
  private readonly blocks = new Map<string, number>()

  async add (contact: Contact): Promise<void> {
    if (this.byName.has(contact.name)) throw new ContactExistsError(`a contact named "${contact.name}" exists already`)
    const other = await this.getByPeer(contact.peerId)
    if (other != null) throw new ContactExistsError(`that peer is already your contact "${other.name}"`)
    this.byName.set(contact.name, structuredClone(contact))
  }

  async update (contact: Contact): Promise<void> {
    if (!this.byName.has(contact.name)) throw new UnknownContactError(`no contact named "${contact.name}"`)
    this.byName.set(contact.name, structuredClone(contact))
  }

  async get (name: string): Promise<Contact | undefined> {
    const c = this.byName.get(name)
    return c == null ? undefined : structuredClone(c)
  }

  async getByPeer (peerId: string): Promise<Contact | undefined> {
    for (const c of this.byName.values()) if (c.peerId === peerId || c.devices?.some(d => d.peer === peerId) === true) return structuredClone(c)
    return undefined
  }

  async list (): Promise<Contact[]> {
    return [...this.byName.values()].map(c => structuredClone(c)).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0) // code-point order, as SQLite's BINARY collation
  }

  async remove (name: string): Promise<void> {
    if (!this.byName.delete(name)) throw new UnknownContactError(`no contact named "${name}"`)
  }

  async block (peer: string, at: number): Promise<void> {
    if (!this.blocks.has(peer)) this.blocks.set(peer, at)
  }

  async unblock (peer: string): Promise<void> {
    this.blocks.delete(peer)
  }

  async blocked (): Promise<string[]> {
    return [...this.blocks.keys()].sort()
  }
}

interface Row extends MessageRecord { envelope?: Uint8Array, receipt?: Uint8Array, kind?: 'text' | 'control' | 'copy' }
interface RequestRow { id: string, peer: string, identity?: Uint8Array, text: string, createdAt: number, expiresAt: number, receivedAt: number, disappearing?: boolean, seq: number }

/** Where a message lives in `rows`: outgoing ids are ours and unique; received ones are unique per sender. */
const outKey = (id: string): string => `out:${id}`
const inKey = (peer: string, id: string): string => `in:${peer}:${id}`
const textBytes = (text: string): number => new TextEncoder().encode(text).byteLength

const undelivered = (r: Row): boolean => r.direction === 'out' && (r.status === 'queued' || r.status === 'stored')
/** a received text message the user has not seen yet */
const unread = (r: Row): boolean => r.direction === 'in' && r.kind !== 'control' && r.kind !== 'copy' && r.status === 'delivered'

export class MemoryMessageStore implements MessageStore {
  private readonly rows = new Map<string, Row>()
  private readonly sessions = new Map<string, Uint8Array>()
  private readonly capabilities = new Map<string, Uint8Array>()
  private readonly quarantine = new Map<string, RequestRow>()
  private seq = 0
  private rev = 0

  async addOutgoing (batch: OutgoingMessage[]): Promise<Array<MessageRecord | Error>> {
    return batch.map(m => {
      const key = m.kind === 'copy' ? `${outKey(m.id)}:${m.peer}` : outKey(m.id)
      if (this.rows.has(key)) return new InvalidEnvelopeError(`message ${m.id} exists already`)
      const { session, ...fields } = m
      const row: Row = { ...fields, envelope: m.envelope.slice(), direction: 'out', seq: ++this.seq, rev: ++this.rev }
      this.rows.set(key, row)
      if (session != null) this.sessions.set(m.peer, session.slice())
      return strip(row)
    })
  }

  async storeIncoming (batch: IncomingMessage[]): Promise<Array<StoreResult | Error>> {
    return batch.map(m => {
      const earlier = this.rows.get(inKey(m.peer, m.id))?.deliveredAt ?? this.quarantine.get(inKey(m.peer, m.id))?.receivedAt
      if (earlier != null) return { storedAt: earlier, duplicate: true }
      if (m.session != null) this.sessions.set(m.peer, m.session.slice())
      if (m.request === true) {
        const req: RequestRow = { id: m.id, peer: m.peer, text: m.text, createdAt: m.createdAt, expiresAt: m.expiresAt, receivedAt: m.receivedAt, seq: ++this.seq }
        if (m.identity != null) req.identity = m.identity.slice()
        if (m.disappearing === true) req.disappearing = true
        this.quarantine.set(inKey(m.peer, m.id), req)
        return { storedAt: m.receivedAt, duplicate: false }
      }
      if (m.capability != null) this.capabilities.set(m.peer, m.capability.slice())
      const row: Row = { id: m.id, peer: m.peer, direction: 'in', text: m.text, status: 'delivered', createdAt: m.createdAt, expiresAt: m.expiresAt, deliveredAt: m.receivedAt, seq: ++this.seq, rev: ++this.rev, kind: m.kind ?? (m.capability == null ? 'text' : 'control') }
      if (m.disappearing === true) row.disappearing = true
      if (m.unverified === true) row.unverified = true
      this.rows.set(inKey(m.peer, m.id), row)
      return { storedAt: m.receivedAt, duplicate: false }
    })
  }

  async requests (): Promise<MessageRequest[]> {
    const byPeer = new Map<string, RequestRow[]>()
    for (const r of [...this.quarantine.values()].sort((a, b) => a.seq - b.seq)) byPeer.set(r.peer, [...byPeer.get(r.peer) ?? [], r])
    return [...byPeer.values()].map(rows => {
      const [first, last] = [rows[0], rows[rows.length - 1]]
      const req: MessageRequest = { id: first.id, peer: first.peer, text: last.text, messages: rows.length, bytes: rows.reduce((n, r) => n + textBytes(r.text), 0), firstAt: first.receivedAt, receivedAt: last.receivedAt }
      const identity = rows.find(r => r.identity != null)?.identity
      if (identity != null) req.identity = identity.slice()
      return req
    })
  }

  async requestUsage (peer?: string): Promise<RequestUsage> {
    const rows = [...this.quarantine.values()].filter(r => peer == null || r.peer === peer)
    return { peers: new Set(rows.map(r => r.peer)).size, messages: rows.length, bytes: rows.reduce((n, r) => n + textBytes(r.text), 0) }
  }

  async acceptRequests (peer: string): Promise<number> {
    const rows = [...this.quarantine.values()].filter(r => r.peer === peer).sort((a, b) => a.seq - b.seq)
    for (const r of rows) {
      this.quarantine.delete(inKey(r.peer, r.id))
      const row: Row = { id: r.id, peer: r.peer, direction: 'in', text: r.text, status: 'delivered', createdAt: r.createdAt, expiresAt: r.expiresAt, deliveredAt: r.receivedAt, seq: ++this.seq, rev: ++this.rev, kind: 'text' }
      if (r.disappearing === true) row.disappearing = true
      this.rows.set(inKey(r.peer, r.id), row)
    }
    return rows.length
  }

  async dropRequests (peer: string): Promise<number> {
    let n = 0
    for (const [key, r] of this.quarantine) if (r.peer === peer) { this.quarantine.delete(key); n++ }
    this.sessions.delete(peer)
    return n
  }

  async markDelivered (receipts: Delivered[]): Promise<void> {
    for (const { id, receipt, deliveredAt, peer } of receipts) {
      let row = this.rows.get(outKey(id))
      if (peer != null && row?.peer !== peer) row = this.rows.get(`${outKey(id)}:${peer}`)
      if (row == null || !undelivered(row)) continue
      Object.assign(row, { status: 'delivered', deliveredAt, receipt: receipt.slice(), envelope: undefined, mailboxes: undefined, rev: ++this.rev })
    }
  }

  async markRead (peer: string, ids?: string[]): Promise<string[]> {
    const only = ids == null ? undefined : new Set(ids)
    return [...this.rows.values()]
      .filter(r => unread(r) && r.peer === peer && (only == null || only.has(r.id)))
      .sort((a, b) => a.seq - b.seq)
      .map(r => {
        Object.assign(r, { status: 'read', rev: ++this.rev })
        return r.id
      })
  }

  async markReadByPeer (peer: string, ids: string[], at: number): Promise<void> {
    for (const id of ids) {
      let row = this.rows.get(outKey(id))
      if (row?.peer !== peer) row = this.rows.get(`${outKey(id)}:${peer}`)
      if (row == null || row.peer !== peer || row.kind === 'control' || !(undelivered(row) || row.status === 'delivered')) continue
      Object.assign(row, { status: 'read', deliveredAt: row.deliveredAt ?? at, envelope: undefined, mailboxes: undefined, rev: ++this.rev })
    }
  }

  async unread (): Promise<Record<string, number>> {
    const counts: Record<string, number> = {}
    for (const r of this.rows.values()) if (unread(r)) counts[r.peer] = (counts[r.peer] ?? 0) + 1
    return counts
  }

  async markStored (items: Array<{ id: string, custody: Custody[], peer?: string }>): Promise<void> {
    for (const { id, custody, peer } of items) {
      let row = this.rows.get(outKey(id))
      if (peer != null && row?.peer !== peer) row = this.rows.get(`${outKey(id)}:${peer}`)
      if (row == null || !undelivered(row) || custody.length === 0) continue
      const hosts = new Map((row.mailboxes ?? []).map(c => [c.host, c]))
      for (const c of custody) hosts.set(c.host, { ...c, receipt: c.receipt.slice() })
      Object.assign(row, { status: 'stored', mailboxes: [...hosts.values()], rev: ++this.rev })
    }
  }

  async sweepExpired (now: number): Promise<number> {
    let n = 0
    for (const [key, r] of this.quarantine) if (r.disappearing === true && r.expiresAt <= now) { this.quarantine.delete(key); n++ }
    for (const [key, row] of this.rows) {
      if (row.expiresAt > now) continue
      if (row.disappearing === true) { this.rows.delete(key); n++ } else if (undelivered(row)) { Object.assign(row, { status: 'expired', envelope: undefined, mailboxes: undefined, rev: ++this.rev }); n++ }
    }
    return n
  }

  async nextExpiry (): Promise<number | undefined> {
    const times = [...this.rows.values(), ...this.quarantine.values()].filter(r => r.disappearing === true || undelivered(r as Row)).map(r => r.expiresAt)
    return times.length === 0 ? undefined : Math.min(...times)
  }

  async capability (owner: string): Promise<Uint8Array | undefined> {
    return this.capabilities.get(owner)?.slice()
  }

  async markStatus (id: string, status: MessageStatus, error?: string, peer?: string): Promise<void> {
    let row = this.rows.get(outKey(id))
    if (peer != null && row?.peer !== peer) row = this.rows.get(`${outKey(id)}:${peer}`)
    if (row == null) return
    Object.assign(row, { status, rev: ++this.rev })
    if (error != null) row.error = error
    if (status !== 'queued') row.envelope = undefined
    if (status !== 'queued' && status !== 'stored') row.mailboxes = undefined
  }

  async queued (peer?: string, options: { afterSeq?: number, limit?: number, status?: 'queued' | 'stored' } = {}): Promise<QueuedMessage[]> {
    return [...this.rows.values()]
      .filter(r => undelivered(r) && (options.status == null || r.status === options.status) && (peer == null || r.peer === peer) && r.seq > (options.afterSeq ?? 0))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, options.limit ?? Infinity)
      .map(r => ({ ...strip(r), envelope: (r.envelope ?? new Uint8Array(0)).slice() }))
  }

  async copies (ids: string[]): Promise<Array<{ id: string, peer: string, status: MessageStatus }>> {
    const wanted = new Set(ids)
    return [...this.rows.values()].filter(r => r.kind === 'copy' && wanted.has(r.id)).sort((a, b) => a.seq - b.seq).map(r => ({ id: r.id, peer: r.peer, status: r.status }))
  }

  async list (options: ListOptions = {}): Promise<MessageRecord[]> {
    const rows = [...this.rows.values()]
      .filter(r => r.kind !== 'control' && r.kind !== 'copy' && (options.peer == null || r.peer === options.peer) && (options.peers == null || options.peers.includes(r.peer)) && r.rev > (options.changedAfter ?? 0))
      .sort((a, b) => a.seq - b.seq)
    return rows.slice(options.last == null ? 0 : Math.max(0, rows.length - options.last)).slice(0, options.limit ?? Infinity).map(strip)
  }

  async get (id: string, direction: 'in' | 'out', peer?: string): Promise<MessageRecord | undefined> {
    const row = direction === 'out' ? this.rows.get(outKey(id)) : [...this.rows.values()].find(r => r.direction === 'in' && r.id === id && (peer == null || r.peer === peer))
    return row == null ? undefined : strip(row)
  }

  async storedAt (id: string, peer: string): Promise<number | undefined> {
    return this.rows.get(inKey(peer, id))?.deliveredAt ?? this.quarantine.get(inKey(peer, id))?.receivedAt
  }

  async session (peer: string): Promise<Uint8Array | undefined> {
    return this.sessions.get(peer)?.slice()
  }

  async countQueued (): Promise<number> {
    return (await this.queued(undefined, { status: 'queued' })).length
  }
}

function strip (row: Row): MessageRecord {
  const { envelope, receipt, kind, mailboxes, ...rest } = row
  return mailboxes == null ? { ...rest } : { ...rest, mailboxes: mailboxes.map(c => ({ ...c })) }
}

/**
 * Fresh in-memory stores.
 *
 * @param options - `mailbox: true` adds a MemoryMailboxStore; off by default, as a node without
 * one has no mailboxes, and most in-process tests build many nodes that need none; a MemoryRoomStore
 * (`rooms`) is always there
 * @example
 * ```ts
 * const stores = memoryStores({ mailbox: true }) // stores.mailbox: a MemoryMailboxStore
 * ```
 */
export function memoryStores (options: { mailbox?: boolean } = {}): FerryStores {
  const stores: FerryStores = { contacts: new MemoryContactStore(), messages: new MemoryMessageStore(), prekeys: new MemoryPrekeyStore(), rooms: new MemoryRoomStore(), files: new MemoryFileStore() }
  if (options.mailbox === true) stores.mailbox = new MemoryMailboxStore()
  return stores
}
