import { InvalidEnvelopeError } from '../../protocol/index.js'
import { transaction } from './sqlite.js'
import type { Delivered, IncomingMessage, ListOptions, MessageRecord, MessageStatus, MessageStore, OutgoingMessage, QueuedMessage, StoreResult } from '../../protocol/index.js'
import type { DatabaseSync, StatementSync } from 'node:sqlite'

interface Row {
  seq: number,
  rev: number,
  id: string,
  direction: 'in' | 'out',
  peer: string,
  text: string,
  status: MessageStatus
  created_at: number,
  expires_at: number,
  delivered_at: number | null,
  error: string | null,
  envelope?: Uint8Array | null
}

const COLUMNS = 'seq, rev, id, direction, peer, text, status, created_at, expires_at, delivered_at, error'

function toRecord (r: Row): MessageRecord {
  const m: MessageRecord = {
    id: r.id,
    peer: r.peer,
    direction: r.direction,
    text: r.text,
    status: r.status,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    seq: Number(r.seq),
    rev: Number(r.rev)
  }
  if (r.delivered_at != null) m.deliveredAt = Number(r.delivered_at)
  if (r.error != null) m.error = r.error
  return m
}

/**
 * Messages and the outbox in SQLite. `rev` comes from one counter so followers see every change
 * in order; writes are synchronous commits, so a resolved promise means the data is durable.
 */
export class SqliteMessageStore implements MessageStore {
  private readonly stmt: Record<string, StatementSync>
  private rev: number

  constructor (private readonly db: DatabaseSync) {
    this.rev = Number((db.prepare('SELECT COALESCE(MAX(rev), 0) AS r FROM messages').get() as { r: number }).r)
    this.stmt = {
      insert: db.prepare(`INSERT INTO messages (rev, id, direction, peer, text, status, created_at, expires_at, delivered_at, envelope)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`),
      findIn: db.prepare('SELECT peer, delivered_at FROM messages WHERE direction = \'in\' AND id = ?'),
      findOut: db.prepare('SELECT 1 FROM messages WHERE direction = \'out\' AND id = ?'),
      delivered: db.prepare('UPDATE messages SET status = \'delivered\', delivered_at = ?, receipt = ?, envelope = NULL, rev = ? WHERE direction = \'out\' AND id = ? AND status = \'queued\''),
      status: db.prepare('UPDATE messages SET status = ?, error = ?, envelope = CASE WHEN ? = \'queued\' THEN envelope ELSE NULL END, rev = ? WHERE direction = \'out\' AND id = ?'),
      queuedAll: db.prepare(`SELECT ${COLUMNS}, envelope FROM messages WHERE direction = 'out' AND status = 'queued' AND seq > ? ORDER BY seq LIMIT ?`),
      queuedPeer: db.prepare(`SELECT ${COLUMNS}, envelope FROM messages WHERE direction = 'out' AND status = 'queued' AND peer = ? AND seq > ? ORDER BY seq LIMIT ?`),
      get: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE direction = ? AND id = ?`),
      count: db.prepare('SELECT COUNT(*) AS n FROM messages WHERE direction = \'out\' AND status = \'queued\'')
    }
  }

  async addOutgoing (batch: OutgoingMessage[]): Promise<Array<MessageRecord | Error>> {
    return transaction(this.db, () => batch.map((m): MessageRecord | Error => {
      if (this.stmt.findOut.get(m.id) != null) return new InvalidEnvelopeError(`message ${m.id} exists already`)
      return toRecord(this.stmt.insert.get(++this.rev, m.id, 'out', m.peer, m.text, m.status, m.createdAt, m.expiresAt, null, m.envelope) as unknown as Row)
    }))
  }

  async storeIncoming (batch: IncomingMessage[]): Promise<Array<StoreResult | Error>> {
    return transaction(this.db, () => batch.map((m): StoreResult | Error => {
      const old = this.stmt.findIn.get(m.id) as { peer: string, delivered_at: number } | undefined
      if (old != null) {
        if (old.peer !== m.peer) return new InvalidEnvelopeError('message id already used by another sender')
        return { storedAt: Number(old.delivered_at), duplicate: true }
      }
      this.stmt.insert.get(++this.rev, m.id, 'in', m.peer, m.text, 'delivered', m.createdAt, m.expiresAt, m.receivedAt, null)
      return { storedAt: m.receivedAt, duplicate: false }
    }))
  }

  async markDelivered (receipts: Delivered[]): Promise<void> {
    transaction(this.db, () => {
      for (const r of receipts) this.stmt.delivered.run(r.deliveredAt, r.receipt, ++this.rev, r.id)
    })
  }

  async markStatus (id: string, status: MessageStatus, error?: string): Promise<void> {
    this.stmt.status.run(status, error ?? null, status, ++this.rev, id)
  }

  async queued (peer?: string, options: { afterSeq?: number, limit?: number } = {}): Promise<QueuedMessage[]> {
    const after = options.afterSeq ?? 0
    const limit = options.limit ?? -1
    const rows = (peer == null ? this.stmt.queuedAll.all(after, limit) : this.stmt.queuedPeer.all(peer, after, limit)) as unknown as Row[]
    return rows.map(r => {
      const { rev, direction, ...rest } = toRecord(r)
      return { ...rest, envelope: new Uint8Array(r.envelope ?? new Uint8Array(0)) }
    })
  }

  async list (options: ListOptions = {}): Promise<MessageRecord[]> {
    const where = ['rev > ?']
    const args: Array<string | number> = [options.changedAfter ?? 0]
    if (options.peer != null) { where.push('peer = ?'); args.push(options.peer) }
    args.push(options.limit ?? -1)
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM messages WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`).all(...args) as unknown as Row[]
    return rows.map(toRecord)
  }

  async get (id: string, direction: 'in' | 'out'): Promise<MessageRecord | undefined> {
    const r = this.stmt.get.get(direction, id) as unknown as Row | undefined
    return r == null ? undefined : toRecord(r)
  }

  async countQueued (): Promise<number> {
    return Number((this.stmt.count.get() as { n: number }).n)
  }
}
