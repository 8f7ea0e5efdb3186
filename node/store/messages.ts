import { InvalidEnvelopeError } from '../../protocol/index.js'
import { eraseSoon, prepared, transaction } from './sqlite.js'
import type { AtRestCipher } from '../at-rest.js'
import type { Custody, Delivered, IncomingMessage, ListOptions, MessageRecord, MessageRequest, MessageStatus, MessageStore, OutgoingMessage, QueuedMessage, RequestUsage, StoreResult } from '../../protocol/index.js'
import type { DatabaseSync, StatementSync } from 'node:sqlite'

interface Row {
  seq: number,
  rev: number,
  id: string,
  direction: 'in' | 'out',
  peer: string,
  text: string | Uint8Array,
  status: MessageStatus
  created_at: number,
  expires_at: number,
  delivered_at: number | null,
  error: string | null,
  disappearing: number,
  unverified: number,
  envelope?: Uint8Array | null
}

interface RequestRow { seq: number, peer: string, id: string, identity: Uint8Array | null, text: Uint8Array | string, bytes: number, received_at: number }

const COLUMNS = 'seq, rev, id, direction, peer, text, status, created_at, expires_at, delivered_at, error, disappearing, unverified'
const UNDELIVERED = '(\'queued\', \'stored\')'
/** a received text message the user has not seen yet (the messages_unread index) */
const UNREAD = 'direction = \'in\' AND kind = \'text\' AND status = \'delivered\''

function toRecord (r: Row, text: string): MessageRecord {
  const m: MessageRecord = {
    id: r.id,
    peer: r.peer,
    direction: r.direction,
    text,
    status: r.status,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    seq: Number(r.seq),
    rev: Number(r.rev)
  }
  if (r.delivered_at != null) m.deliveredAt = Number(r.delivered_at)
  if (r.error != null) m.error = r.error
  if (Number(r.disappearing) === 1) m.disappearing = true
  if (Number(r.unverified) === 1) m.unverified = true
  return m
}

/**
 * Messages and the outbox in SQLite. `rev` comes from one counter so followers see every change
 * in order; writes are synchronous commits, so a resolved promise means the data is durable.
 * With a cipher, message bodies and queued envelopes are sealed at rest, bound to their row
 * (direction and id) so sealed values cannot be swapped between rows.
 */
export class SqliteMessageStore implements MessageStore {
  private readonly stmt: Record<string, StatementSync>
  private rev: number

  constructor (private readonly db: DatabaseSync, private readonly cipher?: AtRestCipher) {
    // the highest rev ever handed out: the rows that carried the latest ones may have been swept,
    // and a follower that saw a rev must never see it again on a new row
    this.rev = Number((db.prepare('SELECT MAX(COALESCE((SELECT MAX(rev) FROM messages), 0), COALESCE((SELECT value FROM counters WHERE name = \'rev\'), 0)) AS r').get() as { r: number }).r)
    this.stmt = {
      insert: db.prepare(`INSERT INTO messages (rev, id, direction, peer, text, status, created_at, expires_at, delivered_at, envelope, kind, disappearing, unverified)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`),
      findIn: db.prepare('SELECT delivered_at AS at FROM messages WHERE direction = \'in\' AND id = ? AND peer = ? UNION ALL SELECT received_at AS at FROM requests WHERE id = ? AND peer = ?'),
      insertRequest: db.prepare('INSERT INTO requests (peer, id, identity, text, bytes, created_at, expires_at, received_at, disappearing) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      requestUsageAll: db.prepare('SELECT COUNT(DISTINCT peer) AS peers, COUNT(*) AS messages, COALESCE(SUM(bytes), 0) AS bytes FROM requests'),
      requestUsagePeer: db.prepare('SELECT COUNT(DISTINCT peer) AS peers, COUNT(*) AS messages, COALESCE(SUM(bytes), 0) AS bytes FROM requests WHERE peer = ?'),
      findOut: db.prepare('SELECT 1 FROM messages WHERE direction = \'out\' AND id = ? AND (? = 0 OR peer = ?)'),
      delivered: db.prepare(`UPDATE messages SET status = 'delivered', delivered_at = ?, receipt = ?, envelope = NULL, rev = ? WHERE direction = 'out' AND id = ? AND (? IS NULL OR peer = ?) AND status IN ${UNDELIVERED}`),
      status: db.prepare('UPDATE messages SET status = ?, error = ?, envelope = CASE WHEN ? = \'queued\' THEN envelope ELSE NULL END, rev = ? WHERE direction = \'out\' AND id = ? AND (? IS NULL OR peer = ?)'),
      readAll: db.prepare(`UPDATE messages SET status = 'read', rev = ? WHERE ${UNREAD} AND peer = ? RETURNING id, seq`),
      readOne: db.prepare(`UPDATE messages SET status = 'read', rev = ? WHERE ${UNREAD} AND peer = ? AND id = ? RETURNING id, seq`),
      readByPeer: db.prepare('UPDATE messages SET status = \'read\', delivered_at = COALESCE(delivered_at, ?), envelope = NULL, rev = ? WHERE direction = \'out\' AND kind IN (\'text\', \'copy\') AND id = ? AND peer = ? AND status IN (\'queued\', \'stored\', \'delivered\')'),
      unread: db.prepare(`SELECT peer, COUNT(*) AS n FROM messages WHERE ${UNREAD} GROUP BY peer`),
      stored: db.prepare(`UPDATE messages SET status = 'stored', rev = ? WHERE direction = 'out' AND id = ? AND (? IS NULL OR peer = ?) AND status IN ${UNDELIVERED} RETURNING peer`),
      custody: db.prepare('INSERT OR REPLACE INTO custody (id, peer, host, stored_at, receipt) VALUES (?, ?, ?, ?, ?)'),
      custodyOf: db.prepare('SELECT host, stored_at, receipt FROM custody WHERE id = ? AND peer = ? ORDER BY stored_at'),
      // custody is per copy (a message to several devices has a row per device); no peer: every copy's
      dropCustody: db.prepare('DELETE FROM custody WHERE id = ? AND (? IS NULL OR peer = ?)'),
      queuedAll: db.prepare(`SELECT ${COLUMNS}, envelope FROM messages WHERE direction = 'out' AND status IN (?, ?) AND seq > ? ORDER BY seq LIMIT ?`),
      queuedPeer: db.prepare(`SELECT ${COLUMNS}, envelope FROM messages WHERE direction = 'out' AND status IN (?, ?) AND peer = ? AND seq > ? ORDER BY seq LIMIT ?`),
      putCapability: db.prepare('INSERT INTO capabilities (owner, capability, received_at) VALUES (?, ?, ?) ON CONFLICT (owner) DO UPDATE SET capability = excluded.capability, received_at = excluded.received_at'),
      getCapability: db.prepare('SELECT capability FROM capabilities WHERE owner = ?'),
      get: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE direction = ? AND id = ? ORDER BY seq LIMIT 1`),
      getFrom: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE direction = ? AND id = ? AND peer = ?`),
      count: db.prepare('SELECT COUNT(*) AS n FROM messages WHERE direction = \'out\' AND status = \'queued\''),
      putSession: db.prepare('INSERT INTO sessions (peer, record) VALUES (?, ?) ON CONFLICT (peer) DO UPDATE SET record = excluded.record'),
      getSession: db.prepare('SELECT record FROM sessions WHERE peer = ?')
    }
    this.sealLegacyRows()
  }

  async addOutgoing (batch: OutgoingMessage[]): Promise<Array<MessageRecord | Error>> {
    return transaction(this.db, () => batch.map((m): MessageRecord | Error => {
      if (this.stmt.findOut.get(m.id, m.kind === 'copy' ? 1 : 0, m.peer) != null) return new InvalidEnvelopeError(`message ${m.id} exists already`)
      const record = this.record(this.stmt.insert.get(++this.rev, m.id, 'out', m.peer, this.sealText(m.text, 'out', m.id), m.status, m.createdAt, m.expiresAt, null, this.sealBytes(m.envelope, 'out', m.id), m.kind ?? 'text', m.disappearing === true ? 1 : 0, 0) as unknown as Row)
      if (m.session != null) this.putSession(m.peer, m.session)
      return record
    }))
  }

  async storeIncoming (batch: IncomingMessage[]): Promise<Array<StoreResult | Error>> {
    return transaction(this.db, () => batch.map((m): StoreResult | Error => {
      const earlier = this.stmt.findIn.get(m.id, m.peer, m.id, m.peer) as { at: number } | undefined
      if (earlier != null) return { storedAt: Number(earlier.at), duplicate: true }
      if (m.request === true) {
        this.stmt.insertRequest.run(m.peer, m.id, m.identity ?? null, this.sealText(m.text, 'in', m.id), new TextEncoder().encode(m.text).byteLength, m.createdAt, m.expiresAt, m.receivedAt, m.disappearing === true ? 1 : 0)
      } else {
        this.stmt.insert.get(++this.rev, m.id, 'in', m.peer, this.sealText(m.text, 'in', m.id), 'delivered', m.createdAt, m.expiresAt, m.receivedAt, null, m.kind ?? (m.capability == null ? 'text' : 'control'), m.disappearing === true ? 1 : 0, m.unverified === true ? 1 : 0)
        if (m.capability != null) this.stmt.putCapability.run(m.peer, m.capability, m.receivedAt)
      }
      if (m.session != null) this.putSession(m.peer, m.session)
      return { storedAt: m.receivedAt, duplicate: false }
    }))
  }

  async requests (): Promise<MessageRequest[]> {
    const rows = prepared(this.db, 'SELECT seq, peer, id, identity, text, bytes, received_at FROM requests ORDER BY seq').all() as unknown as RequestRow[]
    const byPeer = new Map<string, RequestRow[]>()
    for (const r of rows) byPeer.set(r.peer, [...byPeer.get(r.peer) ?? [], r])
    return [...byPeer.values()].map(list => {
      const [first, last] = [list[0], list[list.length - 1]]
      const req: MessageRequest = { id: first.id, peer: first.peer, text: this.openText(last.text, 'in', last.id), messages: list.length, bytes: list.reduce((n, r) => n + Number(r.bytes), 0), firstAt: Number(first.received_at), receivedAt: Number(last.received_at) }
      const identity = list.find(r => r.identity != null)?.identity
      if (identity != null) req.identity = new Uint8Array(identity)
      return req
    })
  }

  async requestUsage (peer?: string): Promise<RequestUsage> {
    const r = (peer == null ? this.stmt.requestUsageAll.get() : this.stmt.requestUsagePeer.get(peer)) as { peers: number, messages: number, bytes: number }
    return { peers: Number(r.peers), messages: Number(r.messages), bytes: Number(r.bytes) }
  }

  async acceptRequests (peer: string): Promise<number> {
    return transaction(this.db, () => {
      const rows = prepared(this.db, 'SELECT id, text, created_at, expires_at, received_at, disappearing FROM requests WHERE peer = ? ORDER BY seq').all(peer) as Array<{ id: string, text: Uint8Array | string, created_at: number, expires_at: number, received_at: number, disappearing: number }>
      // the text is sealed under the same name a message has ('in' and its id): it moves as it is
      for (const r of rows) this.stmt.insert.get(++this.rev, r.id, 'in', peer, r.text, 'delivered', r.created_at, r.expires_at, r.received_at, null, 'text', r.disappearing, 0)
      prepared(this.db, 'DELETE FROM requests WHERE peer = ?').run(peer)
      return rows.length
    })
  }

  async dropRequests (peer: string): Promise<number> {
    const n = transaction(this.db, () => {
      const gone = Number(prepared(this.db, 'DELETE FROM requests WHERE peer = ?').run(peer).changes)
      prepared(this.db, 'DELETE FROM sessions WHERE peer = ?').run(peer)
      return gone
    })
    eraseSoon(this.db)
    return n
  }

  async markDelivered (receipts: Delivered[]): Promise<void> {
    transaction(this.db, () => {
      for (const r of receipts) {
        if (Number(this.stmt.delivered.run(r.deliveredAt, r.receipt, ++this.rev, r.id, r.peer ?? null, r.peer ?? null).changes) > 0) this.stmt.dropCustody.run(r.id, r.peer ?? null, r.peer ?? null)
      }
    })
    eraseSoon(this.db) // the envelopes just dropped leave the WAL too
  }

  async markRead (peer: string, ids?: string[]): Promise<string[]> {
    const rows = transaction(this.db, () => {
      const rev = ++this.rev
      if (ids == null) return this.stmt.readAll.all(rev, peer) as Array<{ id: string, seq: number }>
      return [...new Set(ids)].flatMap(id => this.stmt.readOne.all(rev, peer, id) as Array<{ id: string, seq: number }>)
    })
    return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(r => r.id)
  }

  async markReadByPeer (peer: string, ids: string[], at: number): Promise<void> {
    transaction(this.db, () => {
      for (const id of new Set(ids)) {
        if (Number(this.stmt.readByPeer.run(at, ++this.rev, id, peer).changes) > 0) this.stmt.dropCustody.run(id, peer, peer)
      }
    })
    eraseSoon(this.db)
  }

  async unread (): Promise<Record<string, number>> {
    const counts: Record<string, number> = {}
    for (const r of this.stmt.unread.all() as Array<{ peer: string, n: number }>) counts[r.peer] = Number(r.n)
    return counts
  }

  async markStatus (id: string, status: MessageStatus, error?: string, peer?: string): Promise<void> {
    transaction(this.db, () => {
      this.stmt.status.run(status, error ?? null, status, ++this.rev, id, peer ?? null, peer ?? null)
      if (status !== 'queued' && status !== 'stored') this.stmt.dropCustody.run(id, peer ?? null, peer ?? null)
    })
    if (status !== 'queued') eraseSoon(this.db)
  }

  async markStored (items: Array<{ id: string, custody: Custody[], peer?: string }>): Promise<void> {
    transaction(this.db, () => {
      for (const { id, custody, peer } of items) {
        if (custody.length === 0) continue
        for (const row of this.stmt.stored.all(++this.rev, id, peer ?? null, peer ?? null) as Array<{ peer: string }>) {
          for (const c of custody) this.stmt.custody.run(id, row.peer, c.host, c.storedAt, c.receipt)
        }
      }
    })
  }

  async sweepExpired (now: number): Promise<number> {
    const changed = transaction(this.db, () => {
      const gone = prepared(this.db, 'DELETE FROM messages WHERE disappearing = 1 AND expires_at <= ? RETURNING id, peer').all(now) as Array<{ id: string, peer: string }>
      if (gone.length > 0) prepared(this.db, 'INSERT INTO counters (name, value) VALUES (\'rev\', ?) ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)').run(this.rev)
      const requests = Number(prepared(this.db, 'DELETE FROM requests WHERE disappearing = 1 AND expires_at <= ?').run(now).changes)
      const expired = prepared(this.db, `UPDATE messages SET status = 'expired', envelope = NULL, rev = ? WHERE direction = 'out' AND status IN ${UNDELIVERED} AND expires_at <= ? RETURNING id, peer`).all(++this.rev, now) as Array<{ id: string, peer: string }>
      for (const r of [...gone, ...expired]) this.stmt.dropCustody.run(r.id, r.peer, r.peer)
      return gone.length + expired.length + requests
    })
    if (changed > 0) this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    return changed
  }

  async nextExpiry (): Promise<number | undefined> {
    const r = prepared(this.db, `SELECT MIN(t) AS t FROM (SELECT MIN(expires_at) AS t FROM messages WHERE disappearing = 1 OR (direction = 'out' AND status IN ${UNDELIVERED}) UNION ALL SELECT MIN(expires_at) AS t FROM requests WHERE disappearing = 1)`).get() as { t: number | null }
    return r.t == null ? undefined : Number(r.t)
  }

  async capability (owner: string): Promise<Uint8Array | undefined> {
    const r = this.stmt.getCapability.get(owner) as { capability: Uint8Array } | undefined
    return r == null ? undefined : new Uint8Array(r.capability)
  }

  async queued (peer?: string, options: { afterSeq?: number, limit?: number, status?: 'queued' | 'stored' } = {}): Promise<QueuedMessage[]> {
    const after = options.afterSeq ?? 0
    const limit = options.limit ?? -1
    const [s1, s2] = options.status == null ? ['queued', 'stored'] : [options.status, options.status]
    const rows = (peer == null ? this.stmt.queuedAll.all(s1, s2, after, limit) : this.stmt.queuedPeer.all(s1, s2, peer, after, limit)) as unknown as Row[]
    return rows.map(r => {
      const { rev, direction, ...rest } = this.record(r)
      return { ...rest, envelope: this.openBytes(r.envelope ?? new Uint8Array(0), 'out', r.id) }
    })
  }

  /**
   * Write history restored from a backup into an empty store, in its order. An outgoing message
   * that was still waiting then is restored as failed: its envelope was sealed on a session that
   * no longer exists.
   */
  restoreHistory (records: MessageRecord[]): void {
    const waiting = new Set(['queued', 'stored'])
    transaction(this.db, () => {
      for (const m of records) {
        const status = m.direction === 'out' && waiting.has(m.status) ? 'failed' : m.status
        const row = this.stmt.insert.get(++this.rev, m.id, m.direction, m.peer, this.sealText(m.text, m.direction, m.id), status, m.createdAt, m.expiresAt, m.deliveredAt ?? null, null, 'text', m.disappearing === true ? 1 : 0, m.unverified === true ? 1 : 0) as unknown as Row
        if (status !== m.status) this.stmt.status.run(status, 'not delivered before the backup was made: send it again', status, ++this.rev, row.id, row.peer, row.peer)
      }
    })
  }

  async list (options: ListOptions = {}): Promise<MessageRecord[]> {
    const where = ['rev > ?', 'kind = \'text\'']
    const args: Array<string | number> = [options.changedAfter ?? 0]
    if (options.peer != null) { where.push('peer = ?'); args.push(options.peer) }
    if (options.peers != null) { where.push(`peer IN (${options.peers.map(() => '?').join(', ') || 'NULL'})`); args.push(...options.peers) }
    // the newest `last`: read backwards on the (peer, seq) index, then give them oldest first
    const newest = options.last != null
    args.push(newest ? Math.min(options.last as number, options.limit ?? Infinity) : options.limit ?? -1)
    const rows = prepared(this.db, `SELECT ${COLUMNS} FROM messages WHERE ${where.join(' AND ')} ORDER BY seq ${newest ? 'DESC' : ''} LIMIT ?`).all(...args) as unknown as Row[]
    return (newest ? rows.reverse() : rows).map(r => this.record(r))
  }

  async get (id: string, direction: 'in' | 'out', peer?: string): Promise<MessageRecord | undefined> {
    const r = (peer == null ? this.stmt.get.get(direction, id) : this.stmt.getFrom.get(direction, id, peer)) as unknown as Row | undefined
    return r == null ? undefined : this.record(r)
  }

  async copies (ids: string[]): Promise<Array<{ id: string, peer: string, status: MessageStatus }>> {
    const out: Array<{ id: string, peer: string, status: MessageStatus }> = []
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500)
      const rows = prepared(this.db, `SELECT id, peer, status FROM messages WHERE direction = 'out' AND kind = 'copy' AND id IN (${chunk.map(() => '?').join(', ')}) ORDER BY seq`).all(...chunk) as Array<{ id: string, peer: string, status: MessageStatus }>
      out.push(...rows.map(r => ({ id: r.id, peer: r.peer, status: r.status })))
    }
    return out
  }

  async countQueued (): Promise<number> {
    return Number((this.stmt.count.get() as { n: number }).n)
  }

  async storedAt (id: string, peer: string): Promise<number | undefined> {
    const row = this.stmt.findIn.get(id, peer, id, peer) as { at: number } | undefined
    return row == null ? undefined : Number(row.at)
  }

  async session (peer: string): Promise<Uint8Array | undefined> {
    const row = this.stmt.getSession.get(peer) as { record: Uint8Array } | undefined
    return row == null ? undefined : this.openBytes(row.record, 'session', peer)
  }

  private putSession (peer: string, record: Uint8Array): void {
    this.stmt.putSession.run(peer, this.sealBytes(record, 'session', peer))
  }

  private aad (direction: string, id: string): Uint8Array {
    return new TextEncoder().encode(`${direction}:${id}`)
  }

  private sealText (text: string, direction: string, id: string): string | Uint8Array {
    return this.cipher == null ? text : this.cipher.sealText(text, this.aad(direction, id))
  }

  private openText (text: Uint8Array | string, direction: string, id: string): string {
    if (typeof text === 'string') return text
    if (this.cipher == null) throw new Error('message bodies are encrypted at rest and no key was given')
    return this.cipher.openText(text, this.aad(direction, id))
  }

  private sealBytes (bytes: Uint8Array, direction: string, id: string): Uint8Array {
    return this.cipher == null ? bytes : this.cipher.seal(bytes, this.aad(direction, id))
  }

  private openBytes (bytes: Uint8Array, direction: string, id: string): Uint8Array {
    return this.cipher == null ? new Uint8Array(bytes) : this.cipher.open(bytes, this.aad(direction, id))
  }

  private record (r: Row): MessageRecord {
    let m: MessageRecord
    if (typeof r.text === 'string') m = toRecord(r, r.text)
    else if (this.cipher == null) throw new Error('message bodies are encrypted at rest and no key was given')
    else m = toRecord(r, this.cipher.openText(r.text, this.aad(r.direction, r.id)))
    if (m.status === 'stored') m.mailboxes = (this.stmt.custodyOf.all(m.id, m.peer) as Array<{ host: string, stored_at: number, receipt: Uint8Array }>).map(c => ({ host: c.host, storedAt: Number(c.stored_at), receipt: new Uint8Array(c.receipt) }))
    return m
  }

  /** Seal bodies and envelopes written in the clear (before encryption at rest existed). */
  private sealLegacyRows (): void {
    const cipher = this.cipher
    if (cipher == null) return
    const rows = prepared(this.db, 'SELECT seq, id, direction, text, envelope FROM messages WHERE typeof(text) = \'text\'').all() as unknown as Row[]
    if (rows.length === 0) return
    const update = prepared(this.db, 'UPDATE messages SET text = ?, envelope = ? WHERE seq = ?')
    transaction(this.db, () => {
      for (const r of rows) {
        const aad = this.aad(r.direction, r.id)
        update.run(cipher.sealText(r.text as string, aad), r.envelope == null ? null : cipher.seal(r.envelope, aad), r.seq)
      }
    })
  }
}
