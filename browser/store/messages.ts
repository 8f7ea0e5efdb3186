/**
 * Messages, the outbox, Double Ratchet sessions and received capabilities in IndexedDB; the
 * reference behaviour is node/store/messages.ts.
 *
 * - `seq` (store order) is the object store's auto-increment key: fixed at the first write, never
 *   reused. `rev` comes from one counter in the `meta` store, read and written inside each
 *   transaction that stamps it, so several tabs on one database still hand out increasing revs.
 * - Each batch (addOutgoing, storeIncoming, markDelivered, markStored...) is one transaction; a
 *   session record is written in the transaction of the message that produced or consumed it.
 * - Sealed at rest (browser/store/at-rest.ts), as on the Node side: message text, queued
 *   envelopes and session records. Each is sealed before its transaction opens and bound to its
 *   record (direction, id and field; or peer), so sealed values cannot be swapped between records.
 */
import { InvalidEnvelopeError } from '../../protocol/errors.js'
import { prefixRange, request, STORES, walk } from './idb.js'
import { recordName } from './at-rest.js'
import type { Database } from './idb.js'
import type { AtRestKey } from './at-rest.js'
import type { Custody, Delivered, IncomingMessage, ListOptions, MessageRecord, MessageRequest, MessageStatus, MessageStore, OutgoingMessage, QueuedMessage, RequestUsage, StoreResult } from '../../protocol/stores/stores.js'

const M = STORES.messages
const SESSIONS = STORES.sessions
const CAPABILITIES = STORES.capabilities
const META = STORES.meta
const REQUESTS = STORES.requests

/** A message request as stored: text sealed under the name the message will have once accepted. */
interface RequestRow { seq: number, peer: string, id: string, identity?: Uint8Array, text: Uint8Array, bytes: number, createdAt: number, expiresAt: number, receivedAt: number, disappearing?: true, expiry?: number }

/** A message as stored: text and envelope sealed. */
interface Row {
  seq: number
  rev: number
  id: string
  direction: 'in' | 'out'
  peer: string
  text: Uint8Array
  status: MessageStatus
  createdAt: number
  expiresAt: number
  kind: 'text' | 'control' | 'copy'
  deliveredAt?: number
  error?: string
  disappearing?: true
  unverified?: true
  envelope?: Uint8Array
  receipt?: Uint8Array
  mailboxes?: Custody[]
  /** expiresAt while the row can expire (disappearing, or outgoing and undelivered): the expiry index */
  expiry?: number
}

const undelivered = (r: Row): boolean => r.direction === 'out' && (r.status === 'queued' || r.status === 'stored')
const unread = (r: Row): boolean => r.direction === 'in' && r.kind === 'text' && r.status === 'delivered'
const bySeq = (a: Row, b: Row): number => a.seq - b.seq

const textName = (direction: string, id: string): string => recordName(M, direction, id, 'text')
const envelopeName = (id: string): string => recordName(M, 'out', id, 'envelope')
const sessionName = (peer: string): string => recordName(SESSIONS, peer)

/** Keep the expiry index in step with the row's state. */
function indexExpiry (r: Row): Row {
  if (r.disappearing === true || undelivered(r)) r.expiry = r.expiresAt
  else delete r.expiry
  return r
}

/** The change counter, read and written inside the transaction that uses it. */
class Revs {
  private constructor (private readonly tx: IDBTransaction, private value: number) {}

  static async load (tx: IDBTransaction): Promise<Revs> {
    return new Revs(tx, Number(await request(tx.objectStore(META).get('rev')) ?? 0))
  }

  next (): number {
    this.tx.objectStore(META).put(++this.value, 'rev')
    return this.value
  }
}

function toRecord (r: Row, text: string): MessageRecord {
  const m: MessageRecord = { id: r.id, peer: r.peer, direction: r.direction, text, status: r.status, createdAt: r.createdAt, expiresAt: r.expiresAt, seq: r.seq, rev: r.rev }
  if (r.deliveredAt != null) m.deliveredAt = r.deliveredAt
  if (r.error != null) m.error = r.error
  if (r.disappearing === true) m.disappearing = true
  if (r.unverified === true) m.unverified = true
  if (r.status === 'stored') m.mailboxes = (r.mailboxes ?? []).map(c => ({ ...c }))
  return m
}

/** MessageStore on IndexedDB. */
export class IdbMessageStore implements MessageStore {
  constructor (private readonly db: Database, private readonly key: AtRestKey) {}

  async addOutgoing (batch: OutgoingMessage[]): Promise<Array<MessageRecord | Error>> {
    const sealed = await Promise.all(batch.map(async m => ({
      text: await this.key.sealText(m.text, textName('out', m.id)),
      envelope: await this.key.seal(m.envelope, envelopeName(m.id)),
      session: m.session == null ? undefined : await this.key.seal(m.session, sessionName(m.peer))
    })))
    return this.db.write([M, SESSIONS, META], async tx => {
      const messages = tx.objectStore(M)
      const revs = await Revs.load(tx)
      const results: Array<MessageRecord | Error> = []
      for (const [i, m] of batch.entries()) {
        // a copy (the same message to another device) shares its id: unique per device then
        if (await request(m.kind === 'copy' ? messages.index('bySender').getKey(['out', m.peer, m.id]) : messages.index('byId').getKey(['out', m.id])) != null) {
          results.push(new InvalidEnvelopeError(`message ${m.id} exists already`))
          continue
        }
        const row = { rev: revs.next(), id: m.id, direction: 'out', peer: m.peer, text: sealed[i].text, status: m.status, createdAt: m.createdAt, expiresAt: m.expiresAt, kind: m.kind ?? 'text', envelope: sealed[i].envelope } as Row
        if (m.disappearing === true) row.disappearing = true
        row.seq = Number(await request(messages.add(indexExpiry(row))))
        const session = sealed[i].session
        if (session != null) tx.objectStore(SESSIONS).put({ peer: m.peer, record: session })
        results.push(toRecord(row, m.text))
      }
      return results
    })
  }

  async storeIncoming (batch: IncomingMessage[]): Promise<Array<StoreResult | Error>> {
    const sealed = await Promise.all(batch.map(async m => ({
      text: await this.key.sealText(m.text, textName('in', m.id)),
      session: m.session == null ? undefined : await this.key.seal(m.session, sessionName(m.peer))
    })))
    return this.db.write([M, REQUESTS, SESSIONS, CAPABILITIES, META], async tx => {
      const messages = tx.objectStore(M)
      const revs = await Revs.load(tx)
      const results: Array<StoreResult | Error> = []
      for (const [i, m] of batch.entries()) {
        const earlier = await this.receivedAt(tx, m.id, m.peer)
        if (earlier != null) {
          results.push({ storedAt: earlier, duplicate: true })
          continue
        }
        if (m.request === true) {
          const req = { peer: m.peer, id: m.id, text: sealed[i].text, bytes: new TextEncoder().encode(m.text).byteLength, createdAt: m.createdAt, expiresAt: m.expiresAt, receivedAt: m.receivedAt } as RequestRow
          if (m.identity != null) req.identity = m.identity.slice()
          if (m.disappearing === true) Object.assign(req, { disappearing: true, expiry: m.expiresAt })
          tx.objectStore(REQUESTS).add(req)
        } else {
          const kind = m.kind ?? (m.capability == null ? 'text' : 'control')
          const row = { rev: revs.next(), id: m.id, direction: 'in', peer: m.peer, text: sealed[i].text, status: 'delivered', createdAt: m.createdAt, expiresAt: m.expiresAt, deliveredAt: m.receivedAt, kind } as Row
          if (m.disappearing === true) row.disappearing = true
          if (m.unverified === true) row.unverified = true
          messages.add(indexExpiry(row))
          if (m.capability != null) tx.objectStore(CAPABILITIES).put({ owner: m.peer, capability: m.capability.slice(), receivedAt: m.receivedAt })
        }
        const session = sealed[i].session
        if (session != null) tx.objectStore(SESSIONS).put({ peer: m.peer, record: session })
        results.push({ storedAt: m.receivedAt, duplicate: false })
      }
      return results
    })
  }

  /** When a message (or request) with this id from this peer was stored, inside `tx` (which covers M and REQUESTS). */
  private async receivedAt (tx: IDBTransaction, id: string, peer: string): Promise<number | undefined> {
    const row = await request<Row | undefined>(tx.objectStore(M).index('bySender').get(['in', peer, id]))
    if (row != null) return row.deliveredAt ?? 0
    return (await request<RequestRow | undefined>(tx.objectStore(REQUESTS).index('peerId').get([peer, id])))?.receivedAt
  }

  async requests (): Promise<MessageRequest[]> {
    const rows = await this.db.read([REQUESTS], async tx => request<RequestRow[]>(tx.objectStore(REQUESTS).getAll()))
    const byPeer = new Map<string, RequestRow[]>()
    for (const r of rows.sort((a, b) => a.seq - b.seq)) byPeer.set(r.peer, [...byPeer.get(r.peer) ?? [], r])
    return Promise.all([...byPeer.values()].map(async list => {
      const [first, last] = [list[0], list[list.length - 1]]
      const req: MessageRequest = { id: first.id, peer: first.peer, text: await this.key.openText(last.text, textName('in', last.id)), messages: list.length, bytes: list.reduce((n, r) => n + r.bytes, 0), firstAt: first.receivedAt, receivedAt: last.receivedAt }
      const identity = list.find(r => r.identity != null)?.identity
      if (identity != null) req.identity = identity
      return req
    }))
  }

  async requestUsage (peer?: string): Promise<RequestUsage> {
    const rows = await this.db.read([REQUESTS], async tx => peer == null
      ? request<RequestRow[]>(tx.objectStore(REQUESTS).getAll())
      : request<RequestRow[]>(tx.objectStore(REQUESTS).index('peer').getAll(prefixRange(peer))))
    return { peers: new Set(rows.map(r => r.peer)).size, messages: rows.length, bytes: rows.reduce((n, r) => n + r.bytes, 0) }
  }

  async acceptRequests (peer: string): Promise<number> {
    return this.db.write([M, REQUESTS, META], async tx => {
      const requests = tx.objectStore(REQUESTS)
      const rows = await request<RequestRow[]>(requests.index('peer').getAll(prefixRange(peer)))
      const revs = await Revs.load(tx)
      for (const r of rows) {
        // sealed under the name a received message has (textName('in', id)): it moves as it is
        const row = { rev: revs.next(), id: r.id, direction: 'in', peer, text: r.text, status: 'delivered', createdAt: r.createdAt, expiresAt: r.expiresAt, deliveredAt: r.receivedAt, kind: 'text' } as Row
        if (r.disappearing === true) row.disappearing = true
        tx.objectStore(M).add(indexExpiry(row))
        requests.delete(r.seq)
      }
      return rows.length
    })
  }

  async dropRequests (peer: string): Promise<number> {
    return this.db.write([REQUESTS, SESSIONS], async tx => {
      const requests = tx.objectStore(REQUESTS)
      const keys = await request<IDBValidKey[]>(requests.index('peer').getAllKeys(prefixRange(peer)))
      for (const k of keys) requests.delete(k)
      tx.objectStore(SESSIONS).delete(peer)
      return keys.length
    })
  }

  async markDelivered (receipts: Delivered[]): Promise<void> {
    await this.change(receipts.map(r => ({ id: r.id, peer: r.peer })), (row, i) => {
      if (!undelivered(row)) return false
      const r = receipts[i]
      Object.assign(row, { status: 'delivered', deliveredAt: r.deliveredAt, receipt: r.receipt.slice() })
      delete row.envelope
      delete row.mailboxes
    })
  }

  async markRead (peer: string, ids?: string[]): Promise<string[]> {
    return this.db.write([M, META], async tx => {
      const messages = tx.objectStore(M)
      const revs = await Revs.load(tx)
      let rows: Row[]
      if (ids == null) rows = await request<Row[]>(messages.index('statusPeer').getAll(prefixRange('in', 'delivered', peer)))
      else rows = (await Promise.all([...new Set(ids)].map(async id => request<Row | undefined>(messages.index('bySender').get(['in', peer, id]))))).filter(r => r != null)
      const changed = rows.filter(r => r.peer === peer && unread(r)).sort(bySeq)
      for (const row of changed) messages.put(Object.assign(row, { status: 'read', rev: revs.next() }))
      return changed.map(r => r.id)
    })
  }

  async markReadByPeer (peer: string, ids: string[], at: number): Promise<void> {
    await this.change([...new Set(ids)].map(id => ({ id, peer })), row => {
      if (row.peer !== peer || row.kind === 'control' || !(undelivered(row) || row.status === 'delivered')) return false
      Object.assign(row, { status: 'read', deliveredAt: row.deliveredAt ?? at })
      delete row.envelope
      delete row.mailboxes
    })
  }

  async unread (): Promise<Record<string, number>> {
    const rows = await this.db.read([M], async tx => request<Row[]>(tx.objectStore(M).index('status').getAll(prefixRange('in', 'delivered'))))
    const counts: Record<string, number> = {}
    for (const r of rows) if (unread(r)) counts[r.peer] = (counts[r.peer] ?? 0) + 1
    return counts
  }

  async markStatus (id: string, status: MessageStatus, error?: string, peer?: string): Promise<void> {
    await this.change([{ id, peer }], row => {
      row.status = status
      if (error != null) row.error = error
      else delete row.error
      if (status !== 'queued') delete row.envelope
      if (status !== 'queued' && status !== 'stored') delete row.mailboxes
    })
  }

  async markStored (items: Array<{ id: string, custody: Custody[], peer?: string }>): Promise<void> {
    await this.change(items.map(i => ({ id: i.id, peer: i.peer })), (row, i) => {
      const { custody } = items[i]
      if (custody.length === 0 || !undelivered(row)) return false
      const hosts = new Map((row.mailboxes ?? []).map(c => [c.host, c]))
      for (const c of custody) hosts.set(c.host, { host: c.host, storedAt: c.storedAt, receipt: c.receipt.slice() })
      row.status = 'stored'
      row.mailboxes = [...hosts.values()].sort((a, b) => a.storedAt - b.storedAt)
    })
  }

  async sweepExpired (now: number): Promise<number> {
    return this.db.write([M, REQUESTS, META], async tx => {
      const revs = await Revs.load(tx)
      let changed = 0
      await walk(tx.objectStore(REQUESTS).index('expiry').openCursor(IDBKeyRange.upperBound(now)), cursor => {
        cursor.delete()
        changed++
      })
      await walk(tx.objectStore(M).index('expiry').openCursor(IDBKeyRange.upperBound(now)), cursor => {
        const row = cursor.value as Row
        if (row.disappearing === true) cursor.delete()
        else if (undelivered(row)) {
          Object.assign(row, { status: 'expired', rev: revs.next() })
          delete row.envelope
          delete row.mailboxes
          cursor.update(indexExpiry(row))
        } else return
        changed++
      })
      return changed
    })
  }

  async nextExpiry (): Promise<number | undefined> {
    const keys = await this.db.read([M, REQUESTS], async tx => Promise.all([
      request(tx.objectStore(M).index('expiry').openKeyCursor()),
      request(tx.objectStore(REQUESTS).index('expiry').openKeyCursor())
    ]))
    const times = keys.flatMap(c => c == null ? [] : [Number(c.key)])
    return times.length === 0 ? undefined : Math.min(...times)
  }

  async capability (owner: string): Promise<Uint8Array | undefined> {
    const row = await this.db.read([CAPABILITIES], async tx => request<{ capability: Uint8Array } | undefined>(tx.objectStore(CAPABILITIES).get(owner)))
    return row?.capability
  }

  async queued (peer?: string, options: { afterSeq?: number, limit?: number, status?: 'queued' | 'stored' } = {}): Promise<QueuedMessage[]> {
    const limit = options.limit == null || options.limit < 0 ? Infinity : options.limit
    if (limit === 0) return []
    const after = options.afterSeq ?? 0
    const statuses = options.status == null ? ['queued', 'stored'] : [options.status]
    const rows = await this.db.read([M], async tx => {
      const index = tx.objectStore(M).index(peer == null ? 'status' : 'statusPeer')
      const found: Row[] = []
      for (const status of statuses) {
        const prefix = peer == null ? ['out', status] : ['out', status, peer]
        found.push(...await request<Row[]>(index.getAll(IDBKeyRange.bound([...prefix, after], [...prefix, []], true), Number.isFinite(limit) ? limit : undefined)))
      }
      return found.sort(bySeq).slice(0, limit)
    })
    return Promise.all(rows.map(async r => {
      const { rev, direction, ...rest } = await this.record(r)
      return { ...rest, envelope: r.envelope == null ? new Uint8Array(0) : await this.key.open(r.envelope, envelopeName(r.id)) }
    }))
  }

  async copies (ids: string[]): Promise<Array<{ id: string, peer: string, status: MessageStatus }>> {
    const rows = await this.db.read([M], async tx => Promise.all([...new Set(ids)].map(async id => request<Row[]>(tx.objectStore(M).index('byId').getAll(['out', id])))))
    return rows.flat().filter(r => r.kind === 'copy').sort(bySeq).map(r => ({ id: r.id, peer: r.peer, status: r.status }))
  }

  async list (options: ListOptions = {}): Promise<MessageRecord[]> {
    const limit = Math.min(options.limit == null || options.limit < 0 ? Infinity : options.limit, options.last ?? Infinity)
    if (limit === 0) return []
    // the newest `last`: walk backwards, then give them oldest first
    const way = options.last == null ? 'next' : 'prev'
    const after = options.changedAfter ?? 0
    const keep = (r: Row): boolean => r.kind === 'text' && (options.peer == null || r.peer === options.peer) && (options.peers == null || options.peers.includes(r.peer)) && r.rev > after
    const rows = await this.db.read([M], async tx => {
      const store = tx.objectStore(M)
      if (after > 0) {
        const changed = await request<Row[]>(store.index('rev').getAll(IDBKeyRange.lowerBound(after, true)))
        const sorted = changed.filter(keep).sort(bySeq)
        return way === 'prev' ? sorted.slice(-limit) : sorted.slice(0, limit)
      }
      const found: Row[] = []
      const source = options.peer == null ? store.openCursor(null, way) : store.index('peer').openCursor(prefixRange(options.peer), way)
      await walk(source, cursor => {
        if (keep(cursor.value)) found.push(cursor.value)
        return found.length < limit
      })
      return way === 'prev' ? found.reverse() : found
    })
    return Promise.all(rows.map(async r => this.record(r)))
  }

  /**
   * Write history restored from a backup, in its order (node/store/messages.ts restoreHistory):
   * an outgoing message still waiting then is restored as failed (its envelope was sealed on a
   * session that is gone). A message held already (an import stopped half-way) is skipped.
   */
  async restoreHistory (records: MessageRecord[]): Promise<void> {
    const texts = await Promise.all(records.map(async m => this.key.sealText(m.text, textName(m.direction, m.id))))
    await this.db.write([M, META], async tx => {
      const messages = tx.objectStore(M)
      const revs = await Revs.load(tx)
      for (const [i, m] of records.entries()) {
        if (await request(messages.index('bySender').getKey([m.direction, m.peer, m.id])) != null) continue
        const waiting = m.direction === 'out' && (m.status === 'queued' || m.status === 'stored')
        const row = { rev: revs.next(), id: m.id, direction: m.direction, peer: m.peer, text: texts[i], status: waiting ? 'failed' : m.status, createdAt: m.createdAt, expiresAt: m.expiresAt, kind: 'text' } as Row
        if (waiting) row.error = 'not delivered before the backup was made: send it again'
        if (m.deliveredAt != null) row.deliveredAt = m.deliveredAt
        if (m.disappearing === true) row.disappearing = true
        if (m.unverified === true) row.unverified = true
        messages.add(indexExpiry(row))
      }
    })
  }

  async get (id: string, direction: 'in' | 'out', peer?: string): Promise<MessageRecord | undefined> {
    const row = await this.db.read([M], async tx => peer == null
      ? request<Row | undefined>(tx.objectStore(M).index('byId').get([direction, id]))
      : request<Row | undefined>(tx.objectStore(M).index('bySender').get([direction, peer, id])))
    return row == null ? undefined : this.record(row)
  }

  async countQueued (): Promise<number> {
    return this.db.read([M], async tx => request(tx.objectStore(M).index('status').count(prefixRange('out', 'queued'))))
  }

  async storedAt (id: string, peer: string): Promise<number | undefined> {
    return this.db.read([M, REQUESTS], async tx => this.receivedAt(tx, id, peer))
  }

  async session (peer: string): Promise<Uint8Array | undefined> {
    const row = await this.db.read([SESSIONS], async tx => request<{ record: Uint8Array } | undefined>(tx.objectStore(SESSIONS).get(peer)))
    return row == null ? undefined : this.key.open(row.record, sessionName(peer))
  }

  /**
   * In one transaction, apply `edit` to each outgoing message named (in order; unknown ids are
   * skipped) and write back, with a new rev each, those it did not refuse by returning false.
   */
  /** Edit outgoing rows by id (and device: a message to several devices has a row for each). */
  private async change (keys: Array<{ id: string, peer?: string }>, edit: (row: Row, index: number) => boolean | void): Promise<void> {
    if (keys.length === 0) return
    await this.db.write([M, META], async tx => {
      const messages = tx.objectStore(M)
      const revs = await Revs.load(tx)
      for (const [i, { id, peer }] of keys.entries()) {
        const row = await request<Row | undefined>(peer == null ? messages.index('byId').get(['out', id]) : messages.index('bySender').get(['out', peer, id]))
        if (row == null) continue
        if (edit(row, i) === false) continue
        row.rev = revs.next()
        messages.put(indexExpiry(row))
      }
    })
  }

  private async record (r: Row): Promise<MessageRecord> {
    return toRecord(r, await this.key.openText(r.text, textName(r.direction, r.id)))
  }
}
