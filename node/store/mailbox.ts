/**
 * Mailboxes in SQLite (docs/DESIGN.md "Mailboxes"): the owners this node keeps mail for and their
 * waiting envelopes, delivery receipts left for depositors, revocations, one-time prekeys, and the
 * hosts this node's own mail may wait at. Quotas are checked inside the transaction that stores a
 * deposit, against usage counters rebuilt from the rows at open. Deleted rows are overwritten
 * (PRAGMA secure_delete, set by openDatabase) and a sweep checkpoints the WAL so expired
 * ciphertext leaves the WAL file too.
 */
import { QuotaExceededError } from '../../protocol/index.js'
import { eraseSoon, prepared, transaction } from './sqlite.js'
import type { AckedItem, DepositLimits, HostedMailStore, HostedOwner, MailboxItem, MailboxSettingsStore, MailboxUsage, RevokedSender } from '../../protocol/index.js'
import type { DatabaseSync, StatementSync } from 'node:sqlite'

interface OwnerRow { peer: string, identity: Uint8Array, name: string, quota_bytes: number, quota_messages: number, max_ttl_ms: number, added_at: number }
interface ItemRow { cursor: number, owner: string, id: string, depositor: string, envelope: Uint8Array, hash: Uint8Array, expires_at: number, stored_at: number }

const toOwner = (r: OwnerRow): HostedOwner => ({ peer: r.peer, identity: new Uint8Array(r.identity), name: r.name, quotaBytes: Number(r.quota_bytes), quotaMessages: Number(r.quota_messages), maxTtlMs: Number(r.max_ttl_ms), addedAt: Number(r.added_at) })
/** the cache hands out copies: a caller changing one (its identity bytes too) changes nothing here */
const copyOwner = (o: HostedOwner): HostedOwner => ({ ...o, identity: o.identity.slice() })
const toItem = (r: ItemRow): MailboxItem & { cursor: number } => ({ cursor: Number(r.cursor), owner: r.owner, id: r.id, depositor: r.depositor, envelope: new Uint8Array(r.envelope), hash: new Uint8Array(r.hash), expiresAt: Number(r.expires_at), storedAt: Number(r.stored_at) })

/** Usage counters, keyed by owner and by owner + depositor. */
class Counters {
  private readonly map = new Map<string, MailboxUsage>()
  total = 0

  get (key: string): MailboxUsage {
    return this.map.get(key) ?? { bytes: 0, messages: 0 }
  }

  /** count `messages` messages of `bytes` bytes in all (negative to remove) */
  add (owner: string, depositor: string, bytes: number, messages: number): void {
    for (const key of [owner, `${owner}/${depositor}`]) {
      const u = this.get(key)
      this.map.set(key, { bytes: u.bytes + bytes, messages: u.messages + messages })
    }
    this.total += bytes
  }
}

export class SqliteMailboxStore implements HostedMailStore, MailboxSettingsStore {
  private readonly stmt: Record<string, StatementSync>
  private counters = new Counters()
  /** owners and revocations change rarely and are read on every deposit: kept in memory */
  private owners?: Map<string, HostedOwner>
  private revoked?: Map<string, number>

  constructor (private readonly db: DatabaseSync) {
    this.stmt = {
      insert: db.prepare('INSERT INTO mailbox_items (owner, id, depositor, envelope, hash, expires_at, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      find: db.prepare('SELECT stored_at FROM mailbox_items WHERE owner = ? AND depositor = ? AND id = ?'),
      fetch: db.prepare('SELECT * FROM mailbox_items WHERE owner = ? AND cursor > ? AND expires_at > ? ORDER BY cursor LIMIT ?'),
      take: db.prepare('DELETE FROM mailbox_items WHERE owner = ? AND depositor = ? AND id = ? RETURNING depositor, length(envelope) AS size, expires_at'),
      keepReceipt: db.prepare('INSERT OR REPLACE INTO mailbox_receipts (depositor, id, owner, receipt, expires_at) VALUES (?, ?, ?, ?, ?)'),
      receipts: db.prepare('SELECT receipt FROM mailbox_receipts WHERE depositor = ? LIMIT 1024'),
      forgetReceipt: db.prepare('DELETE FROM mailbox_receipts WHERE depositor = ? AND id = ?')
    }
    this.recount()
  }

  private recount (): void {
    const counters = new Counters()
    for (const r of prepared(this.db, 'SELECT owner, depositor, SUM(length(envelope)) AS bytes, COUNT(*) AS n FROM mailbox_items GROUP BY owner, depositor').all() as any[]) {
      counters.add(r.owner, r.depositor, Number(r.bytes), Number(r.n))
    }
    this.counters = counters
  }

  async host (o: HostedOwner): Promise<void> {
    prepared(this.db, `INSERT INTO mailbox_owners (peer, identity, name, quota_bytes, quota_messages, max_ttl_ms, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (peer) DO UPDATE SET identity = excluded.identity, name = excluded.name, quota_bytes = excluded.quota_bytes, quota_messages = excluded.quota_messages, max_ttl_ms = excluded.max_ttl_ms`)
      .run(o.peer, o.identity, o.name, o.quotaBytes, o.quotaMessages, o.maxTtlMs, o.addedAt)
    this.owners = undefined
  }

  async unhost (peer: string): Promise<void> {
    transaction(this.db, () => {
      prepared(this.db, 'DELETE FROM mailbox_items WHERE owner = ?').run(peer)
      prepared(this.db, 'DELETE FROM mailbox_prekeys WHERE owner = ?').run(peer)
      // revocations stay (a few bytes each): hosting the owner again must not revive a capability it revoked
      prepared(this.db, 'DELETE FROM mailbox_owners WHERE peer = ?').run(peer)
    })
    this.owners = undefined
    this.recount()
  }

  async hosted (peer?: string): Promise<HostedOwner[]> {
    this.owners ??= new Map((prepared(this.db, 'SELECT * FROM mailbox_owners ORDER BY name').all() as unknown as OwnerRow[]).map(r => [r.peer, toOwner(r)]))
    if (peer == null) return [...this.owners.values()].map(copyOwner)
    const o = this.owners.get(peer)
    return o == null ? [] : [copyOwner(o)]
  }

  async deposit (batch: Array<{ item: MailboxItem, limits: DepositLimits }>): Promise<Array<{ storedAt: number, duplicate: boolean } | Error>> {
    try {
      return transaction(this.db, () => batch.map(({ item, limits }) => {
        const old = this.stmt.find.get(item.owner, item.depositor, item.id) as { stored_at: number } | undefined
        if (old != null) return { storedAt: Number(old.stored_at), duplicate: true }
        const problem = this.overLimit(item, limits)
        if (problem != null) return new QuotaExceededError(problem)
        this.stmt.insert.run(item.owner, item.id, item.depositor, item.envelope, item.hash, item.expiresAt, item.storedAt)
        this.counters.add(item.owner, item.depositor, item.envelope.byteLength, 1)
        return { storedAt: item.storedAt, duplicate: false }
      }))
    } catch (err) {
      this.recount() // rolled back: the counters ran ahead of the disk
      throw err
    }
  }

  private overLimit (item: MailboxItem, l: DepositLimits): string | undefined {
    const size = item.envelope.byteLength
    const mine = this.counters.get(`${item.owner}/${item.depositor}`)
    const owner = this.counters.get(item.owner)
    if (mine.messages + 1 > l.depositorMessages) return `your quota at this mailbox is ${l.depositorMessages} messages`
    if (mine.bytes + size > l.depositorBytes) return `your quota at this mailbox is ${l.depositorBytes} bytes`
    if (owner.messages + 1 > l.ownerMessages) return `the recipient's mailbox here is full (${l.ownerMessages} messages)`
    if (owner.bytes + size > l.ownerBytes) return `the recipient's mailbox here is full (${l.ownerBytes} bytes)`
    if (this.counters.total + size > l.totalBytes) return 'this mailbox host has no room left'
    return undefined
  }

  async fetch (owner: string, after: number, limit: number, now: number): Promise<Array<MailboxItem & { cursor: number }>> {
    return (this.stmt.fetch.all(owner, after, now, limit) as unknown as ItemRow[]).map(toItem)
  }

  async ack (owner: string, acked: AckedItem[], receipts: Map<string, Uint8Array>): Promise<string[]> {
    const gone: Array<{ depositor: string, size: number }> = []
    const deleted = transaction(this.db, () => acked.filter(({ id, depositor }) => {
      const row = this.stmt.take.get(owner, depositor, id) as { depositor: string, size: number, expires_at: number } | undefined
      if (row == null) return false
      gone.push({ depositor: row.depositor, size: Number(row.size) })
      const receipt = receipts.get(id)
      // per owner device: copies of one message to two devices of a person share the id
      if (receipt != null) this.stmt.keepReceipt.run(row.depositor, id, owner, receipt, row.expires_at)
      return true
    }).map(a => a.id))
    for (const g of gone) this.counters.add(owner, g.depositor, -g.size, -1)
    if (deleted.length > 0) eraseSoon(this.db) // the owner has the mail: no copy stays here, WAL included
    return deleted
  }

  async receiptsFor (depositor: string, done: string[]): Promise<Uint8Array[]> {
    if (done.length > 0) transaction(this.db, () => { for (const id of done) this.stmt.forgetReceipt.run(depositor, id) })
    return (this.stmt.receipts.all(depositor) as Array<{ receipt: Uint8Array }>).map(r => new Uint8Array(r.receipt))
  }

  async usage (owner: string, depositor?: string): Promise<MailboxUsage> {
    return this.counters.get(depositor == null ? owner : `${owner}/${depositor}`)
  }

  async totalBytes (): Promise<number> {
    return this.counters.total
  }

  async sweep (now: number): Promise<number> {
    const n = transaction(this.db, () => {
      const items = prepared(this.db, 'DELETE FROM mailbox_items WHERE expires_at <= ?').run(now).changes
      const receipts = prepared(this.db, 'DELETE FROM mailbox_receipts WHERE expires_at <= ?').run(now).changes
      return Number(items) + Number(receipts)
    })
    if (n > 0) {
      this.recount()
      this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    }
    return n
  }

  async nextExpiry (): Promise<number | undefined> {
    const r = prepared(this.db, 'SELECT MIN(expires_at) AS t FROM (SELECT expires_at FROM mailbox_items UNION ALL SELECT expires_at FROM mailbox_receipts)').get() as { t: number | null }
    return r.t == null ? undefined : Number(r.t)
  }

  async revoke (owner: string, sender: Uint8Array, before: number): Promise<void> {
    prepared(this.db, 'INSERT INTO mailbox_revoked (owner, sender, before) VALUES (?, ?, ?) ON CONFLICT (owner, sender) DO UPDATE SET before = MAX(before, excluded.before)').run(owner, sender, before)
    this.revoked = undefined
  }

  async revokedBefore (owner: string, sender: Uint8Array): Promise<number> {
    this.revoked ??= new Map((prepared(this.db, 'SELECT owner, sender, before FROM mailbox_revoked').all() as Array<{ owner: string, sender: Uint8Array, before: number }>).map(r => [`${r.owner}/${Buffer.from(r.sender).toString('hex')}`, Number(r.before)]))
    return this.revoked.get(`${owner}/${Buffer.from(sender).toString('hex')}`) ?? 0
  }

  async addPrekeys (owner: string, prekeys: Uint8Array[]): Promise<void> {
    const insert = prepared(this.db, 'INSERT INTO mailbox_prekeys (owner, record) VALUES (?, ?)')
    transaction(this.db, () => { for (const p of prekeys) insert.run(owner, p) })
  }

  async claimPrekey (owner: string): Promise<Uint8Array | undefined> {
    const r = prepared(this.db, 'DELETE FROM mailbox_prekeys WHERE seq = (SELECT MIN(seq) FROM mailbox_prekeys WHERE owner = ?) RETURNING record').get(owner) as { record: Uint8Array } | undefined
    return r == null ? undefined : new Uint8Array(r.record)
  }

  async countPrekeys (owner: string): Promise<number> {
    return Number((prepared(this.db, 'SELECT COUNT(*) AS n FROM mailbox_prekeys WHERE owner = ?').get(owner) as { n: number }).n)
  }

  async useHosts (peers: string[]): Promise<void> {
    const insert = prepared(this.db, 'INSERT INTO mailbox_use (host, position) VALUES (?, ?)')
    const hosts = [...new Set(peers)] // a Set keeps each host's first position
    transaction(this.db, () => {
      this.db.exec('DELETE FROM mailbox_use')
      hosts.forEach((p, i) => insert.run(p, i))
    })
  }

  async usedHosts (): Promise<string[]> {
    return (prepared(this.db, 'SELECT host FROM mailbox_use ORDER BY position').all() as Array<{ host: string }>).map(r => r.host)
  }

  async revokeSender (sender: Uint8Array, before: number): Promise<void> {
    // a wider revocation must reach every host again
    prepared(this.db, `INSERT INTO owner_revoked (sender, before, told) VALUES (?, ?, '[]')
      ON CONFLICT (sender) DO UPDATE SET told = CASE WHEN excluded.before > before THEN '[]' ELSE told END, before = MAX(before, excluded.before)`).run(sender, before)
  }

  async allowSender (sender: Uint8Array): Promise<void> {
    prepared(this.db, 'DELETE FROM owner_revoked WHERE sender = ?').run(sender)
  }

  async revokedSenders (): Promise<RevokedSender[]> {
    return (prepared(this.db, 'SELECT sender, before, told FROM owner_revoked').all() as Array<{ sender: Uint8Array, before: number, told: string }>)
      .map(r => ({ sender: new Uint8Array(r.sender), before: Number(r.before), told: JSON.parse(r.told) }))
  }

  async markTold (host: string, sender: Uint8Array): Promise<void> {
    transaction(this.db, () => {
      const r = prepared(this.db, 'SELECT told FROM owner_revoked WHERE sender = ?').get(sender) as { told: string } | undefined
      if (r == null) return
      const told: string[] = JSON.parse(r.told)
      if (!told.includes(host)) prepared(this.db, 'UPDATE owner_revoked SET told = ? WHERE sender = ?').run(JSON.stringify([...told, host]), sender)
    })
  }

  async issued (peer: string): Promise<{ hosts: string, at: number } | undefined> {
    const r = prepared(this.db, 'SELECT hosts, issued_at FROM capabilities_issued WHERE peer = ?').get(peer) as { hosts: string, issued_at: number } | undefined
    return r == null ? undefined : { hosts: r.hosts, at: Number(r.issued_at) }
  }

  async markIssued (peer: string, hosts: string, at: number): Promise<void> {
    prepared(this.db, 'INSERT INTO capabilities_issued (peer, hosts, issued_at) VALUES (?, ?, ?) ON CONFLICT (peer) DO UPDATE SET hosts = excluded.hosts, issued_at = excluded.issued_at').run(peer, hosts, at)
  }
}
