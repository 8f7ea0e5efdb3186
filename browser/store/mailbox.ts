/**
 * Mailboxes in IndexedDB (docs/DESIGN.md "Mailboxes"); the reference behaviour is
 * node/store/mailbox.ts: owners this browser keeps mail for and their waiting envelopes, delivery
 * receipts left for depositors, revocations, one-time prekeys, and the hosts this browser's own
 * mail may wait at.
 *
 * Usage counters (bytes and messages per owner, per owner and depositor, and in total) are records
 * of their own, changed in the transaction that stores or deletes the mail they count: a quota is
 * checked against numbers that cannot drift from the data, with no recount at open and no shared
 * in-memory state between tabs. Envelopes are end-to-end sealed already and are stored as they
 * came, as SQLite does. IndexedDB has no secure_delete: a deleted record is gone from every read
 * at once, and its bytes leave the browser's files when the backing store compacts.
 */
import { QuotaExceededError } from '../../protocol/errors.js'
import { prefixRange, request, STORES, walk } from './idb.js'
import type { Database } from './idb.js'
import { fromHex } from '../../protocol/util/bytes.js'
import type { AckedItem, DepositLimits, HostedMailStore, HostedOwner, MailboxItem, MailboxSettingsStore, MailboxUsage, RevokedSender } from '../../protocol/stores/stores.js'

const OWNERS = STORES.mailboxOwners
const ITEMS = STORES.mailboxItems
const USAGE = STORES.mailboxUsage
const RECEIPTS = STORES.mailboxReceipts
const REVOKED = STORES.mailboxRevoked
const PREKEYS = STORES.mailboxPrekeys
const ISSUED = STORES.capabilitiesIssued
const META = STORES.meta
const USED_HOSTS = 'mailboxUse'
/** the owner's revoked senders: [{ sender (hex), before, told }] */
const OWNER_REVOKED = 'ownerRevoked'
/** receiptsFor answers at most this many at a time, as SQLite does */
const RECEIPT_PAGE = 1024

type ItemRow = MailboxItem & { cursor: number }
/** Receipts for one (depositor, id), by owner device; `receipt` alone: one kept before devices (no owner). */
interface ReceiptRow { depositor: string, id: string, receipts?: Record<string, Uint8Array>, receipt?: Uint8Array, expiresAt: number }

function ownerReceipts (r: ReceiptRow | undefined): Record<string, Uint8Array> {
  if (r == null) return {}
  return r.receipts ?? (r.receipt == null ? {} : { '': r.receipt })
}

const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')
const ownerKey = (owner: string): string => `o:${owner}`
const depositorKey = (owner: string, depositor: string): string => `d:${owner}/${depositor}`
const TOTAL = 'total'

/** The usage counters as one transaction sees them. */
class Usage {
  private readonly seen = new Map<string, MailboxUsage>()

  constructor (private readonly store: IDBObjectStore) {}

  async get (key: string): Promise<MailboxUsage> {
    let u = this.seen.get(key)
    if (u == null) {
      u = await request<MailboxUsage | undefined>(this.store.get(key)) ?? { bytes: 0, messages: 0 }
      this.seen.set(key, u)
    }
    return u
  }

  /** count `messages` messages of `bytes` bytes in all (negative to remove) */
  async add (owner: string, depositor: string, bytes: number, messages: number): Promise<void> {
    for (const key of [ownerKey(owner), depositorKey(owner, depositor), TOTAL]) {
      const u = await this.get(key)
      const next = { bytes: u.bytes + bytes, messages: u.messages + messages }
      this.seen.set(key, next)
      if (next.messages === 0 && key !== TOTAL) this.store.delete(key)
      else this.store.put(next, key)
    }
  }
}

async function overLimit (usage: Usage, item: MailboxItem, l: DepositLimits): Promise<string | undefined> {
  const size = item.envelope.byteLength
  const mine = await usage.get(depositorKey(item.owner, item.depositor))
  const owner = await usage.get(ownerKey(item.owner))
  const total = await usage.get(TOTAL)
  if (mine.messages + 1 > l.depositorMessages) return `your quota at this mailbox is ${l.depositorMessages} messages`
  if (mine.bytes + size > l.depositorBytes) return `your quota at this mailbox is ${l.depositorBytes} bytes`
  if (owner.messages + 1 > l.ownerMessages) return `the recipient's mailbox here is full (${l.ownerMessages} messages)`
  if (owner.bytes + size > l.ownerBytes) return `the recipient's mailbox here is full (${l.ownerBytes} bytes)`
  if (total.bytes + size > l.totalBytes) return 'this mailbox host has no room left'
  return undefined
}

/** Hosted mail (HostedMailStore) and this browser's mailbox settings (MailboxSettingsStore) on IndexedDB. */
export class IdbMailboxStore implements HostedMailStore, MailboxSettingsStore {
  constructor (private readonly db: Database) {}

  async host (o: HostedOwner): Promise<void> {
    await this.db.write([OWNERS], async tx => {
      const store = tx.objectStore(OWNERS)
      const old = await request<HostedOwner | undefined>(store.get(o.peer))
      store.put({ peer: o.peer, identity: o.identity.slice(), name: o.name, quotaBytes: o.quotaBytes, quotaMessages: o.quotaMessages, maxTtlMs: o.maxTtlMs, addedAt: old?.addedAt ?? o.addedAt })
    })
  }

  async unhost (peer: string): Promise<void> {
    // revocations stay: hosting the owner again must not revive a capability it revoked
    await this.db.write([OWNERS, ITEMS, PREKEYS, USAGE], async tx => {
      await walk(tx.objectStore(ITEMS).index('ownerCursor').openCursor(prefixRange(peer)), cursor => { cursor.delete() })
      await walk(tx.objectStore(PREKEYS).index('owner').openCursor(prefixRange(peer)), cursor => { cursor.delete() })
      tx.objectStore(OWNERS).delete(peer)
      const usage = tx.objectStore(USAGE)
      const gone = await request<MailboxUsage | undefined>(usage.get(ownerKey(peer)))
      const total = await request<MailboxUsage | undefined>(usage.get(TOTAL))
      if (gone != null && total != null) usage.put({ bytes: total.bytes - gone.bytes, messages: total.messages - gone.messages }, TOTAL)
      usage.delete(ownerKey(peer))
      usage.delete(IDBKeyRange.bound(depositorKey(peer, ''), depositorKey(peer, '\uffff')))
    })
  }

  async hosted (peer?: string): Promise<HostedOwner[]> {
    return this.db.read([OWNERS], async tx => {
      const store = tx.objectStore(OWNERS)
      if (peer != null) {
        const o = await request<HostedOwner | undefined>(store.get(peer))
        return o == null ? [] : [o]
      }
      return (await request<HostedOwner[]>(store.getAll())).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    })
  }

  async deposit (batch: Array<{ item: MailboxItem, limits: DepositLimits }>): Promise<Array<{ storedAt: number, duplicate: boolean } | Error>> {
    if (batch.length === 0) return []
    return this.db.write([ITEMS, USAGE], async tx => {
      const items = tx.objectStore(ITEMS)
      const usage = new Usage(tx.objectStore(USAGE))
      const results: Array<{ storedAt: number, duplicate: boolean } | Error> = []
      for (const { item, limits } of batch) {
        const old = await request<ItemRow | undefined>(items.index('ownerDepositorId').get([item.owner, item.depositor, item.id]))
        if (old != null) { results.push({ storedAt: old.storedAt, duplicate: true }); continue }
        const problem = await overLimit(usage, item, limits)
        if (problem != null) { results.push(new QuotaExceededError(problem)); continue }
        items.add({ owner: item.owner, id: item.id, depositor: item.depositor, envelope: item.envelope.slice(), hash: item.hash.slice(), expiresAt: item.expiresAt, storedAt: item.storedAt })
        await usage.add(item.owner, item.depositor, item.envelope.byteLength, 1)
        results.push({ storedAt: item.storedAt, duplicate: false })
      }
      return results
    })
  }

  async fetch (owner: string, after: number, limit: number, now: number): Promise<Array<MailboxItem & { cursor: number }>> {
    if (!(limit > 0)) return []
    return this.db.read([ITEMS], async tx => {
      const found: ItemRow[] = []
      const range = IDBKeyRange.bound([owner, after], [owner, []], true)
      await walk(tx.objectStore(ITEMS).index('ownerCursor').openCursor(range), cursor => {
        const row = cursor.value as ItemRow
        if (row.expiresAt > now) found.push(row)
        return found.length < limit
      })
      return found
    })
  }

  async ack (owner: string, acked: AckedItem[], receipts: Map<string, Uint8Array>): Promise<string[]> {
    if (acked.length === 0) return []
    return this.db.write([ITEMS, RECEIPTS, USAGE], async tx => {
      const items = tx.objectStore(ITEMS)
      const usage = new Usage(tx.objectStore(USAGE))
      const deleted: string[] = []
      for (const { id, depositor } of acked) {
        const row = await request<ItemRow | undefined>(items.index('ownerDepositorId').get([owner, depositor, id]))
        if (row == null) continue
        items.delete(row.cursor)
        await usage.add(owner, row.depositor, -row.envelope.byteLength, -1)
        const receipt = receipts.get(id)
        if (receipt != null) {
          // one per owner device (copies of one message to two devices share the id), in one record per (depositor, id)
          const kept = await request<ReceiptRow | undefined>(tx.objectStore(RECEIPTS).get([row.depositor, id]))
          tx.objectStore(RECEIPTS).put({ depositor: row.depositor, id, receipts: { ...ownerReceipts(kept), [owner]: receipt.slice() }, expiresAt: Math.max(row.expiresAt, kept?.expiresAt ?? 0) })
        }
        deleted.push(id)
      }
      return deleted
    })
  }

  async receiptsFor (depositor: string, done: string[]): Promise<Uint8Array[]> {
    const read = async (tx: IDBTransaction): Promise<Uint8Array[]> =>
      (await request<ReceiptRow[]>(tx.objectStore(RECEIPTS).getAll(prefixRange(depositor), RECEIPT_PAGE))).flatMap(r => Object.values(ownerReceipts(r)))
    if (done.length === 0) return this.db.read([RECEIPTS], read)
    return this.db.write([RECEIPTS], async tx => {
      for (const id of done) tx.objectStore(RECEIPTS).delete([depositor, id])
      return read(tx)
    })
  }

  async usage (owner: string, depositor?: string): Promise<MailboxUsage> {
    const key = depositor == null ? ownerKey(owner) : depositorKey(owner, depositor)
    return this.db.read([USAGE], async tx => new Usage(tx.objectStore(USAGE)).get(key))
  }

  async totalBytes (): Promise<number> {
    return this.db.read([USAGE], async tx => (await new Usage(tx.objectStore(USAGE)).get(TOTAL)).bytes)
  }

  async sweep (now: number): Promise<number> {
    return this.db.write([ITEMS, RECEIPTS, USAGE], async tx => {
      const gone: ItemRow[] = []
      await walk(tx.objectStore(ITEMS).index('expiry').openCursor(IDBKeyRange.upperBound(now)), cursor => {
        gone.push(cursor.value)
        cursor.delete()
      })
      let receipts = 0
      await walk(tx.objectStore(RECEIPTS).index('expiry').openCursor(IDBKeyRange.upperBound(now)), cursor => {
        receipts += Object.keys(ownerReceipts(cursor.value)).length
        cursor.delete()
      })
      const usage = new Usage(tx.objectStore(USAGE))
      for (const row of gone) await usage.add(row.owner, row.depositor, -row.envelope.byteLength, -1)
      return gone.length + receipts
    })
  }

  async nextExpiry (): Promise<number | undefined> {
    const times = await this.db.read([ITEMS, RECEIPTS], async tx => Promise.all([ITEMS, RECEIPTS].map(async name =>
      (await request(tx.objectStore(name).index('expiry').openKeyCursor()))?.key as number | undefined)))
    const set = times.filter(t => t != null)
    return set.length === 0 ? undefined : Math.min(...set)
  }

  async revoke (owner: string, sender: Uint8Array, before: number): Promise<void> {
    const key = [owner, hex(sender)]
    await this.db.write([REVOKED], async tx => {
      const store = tx.objectStore(REVOKED)
      const old = await request<{ before: number } | undefined>(store.get(key))
      store.put({ owner, sender: key[1], before: Math.max(old?.before ?? before, before) })
    })
  }

  async revokedBefore (owner: string, sender: Uint8Array): Promise<number> {
    const row = await this.db.read([REVOKED], async tx => request<{ before: number } | undefined>(tx.objectStore(REVOKED).get([owner, hex(sender)])))
    return row?.before ?? 0
  }

  async addPrekeys (owner: string, prekeys: Uint8Array[]): Promise<void> {
    if (prekeys.length === 0) return
    await this.db.write([PREKEYS], tx => {
      for (const p of prekeys) tx.objectStore(PREKEYS).add({ owner, record: p.slice() })
    })
  }

  async claimPrekey (owner: string): Promise<Uint8Array | undefined> {
    return this.db.write([PREKEYS], async tx => {
      const cursor = await request(tx.objectStore(PREKEYS).index('owner').openCursor(prefixRange(owner)))
      if (cursor == null) return undefined
      tx.objectStore(PREKEYS).delete(cursor.primaryKey)
      return (cursor.value as { record: Uint8Array }).record
    })
  }

  async countPrekeys (owner: string): Promise<number> {
    return this.db.read([PREKEYS], async tx => request(tx.objectStore(PREKEYS).index('owner').count(prefixRange(owner))))
  }

  async useHosts (peers: string[]): Promise<void> {
    await this.db.write([META], tx => { tx.objectStore(META).put([...new Set(peers)], USED_HOSTS) }) // a Set keeps each host's first position
  }

  async usedHosts (): Promise<string[]> {
    return this.db.read([META], async tx => await request<string[] | undefined>(tx.objectStore(META).get(USED_HOSTS)) ?? [])
  }

  async revokeSender (sender: Uint8Array, before: number): Promise<void> {
    await this.db.write([META], async tx => {
      const all = await this.ownerRevoked(tx)
      const old = all.find(r => r.sender === hex(sender))
      const kept = all.filter(r => r !== old)
      kept.push({ sender: hex(sender), before: Math.max(old?.before ?? before, before), told: old != null && old.before >= before ? old.told : [] })
      tx.objectStore(META).put(kept, OWNER_REVOKED)
    })
  }

  async allowSender (sender: Uint8Array): Promise<void> {
    await this.db.write([META], async tx => {
      tx.objectStore(META).put((await this.ownerRevoked(tx)).filter(r => r.sender !== hex(sender)), OWNER_REVOKED)
    })
  }

  async revokedSenders (): Promise<RevokedSender[]> {
    const all = await this.db.read([META], async tx => this.ownerRevoked(tx))
    return all.map(r => ({ sender: fromHex(r.sender), before: r.before, told: [...r.told] }))
  }

  async markTold (host: string, sender: Uint8Array): Promise<void> {
    await this.db.write([META], async tx => {
      const all = await this.ownerRevoked(tx)
      const r = all.find(x => x.sender === hex(sender))
      if (r == null || r.told.includes(host)) return
      r.told.push(host)
      tx.objectStore(META).put(all, OWNER_REVOKED)
    })
  }

  /** The owner's revoked senders (a small list, one META record), inside `tx`. */
  private async ownerRevoked (tx: IDBTransaction): Promise<Array<{ sender: string, before: number, told: string[] }>> {
    return await request<Array<{ sender: string, before: number, told: string[] }> | undefined>(tx.objectStore(META).get(OWNER_REVOKED)) ?? []
  }

  async issued (peer: string): Promise<{ hosts: string, at: number } | undefined> {
    const row = await this.db.read([ISSUED], async tx => request<{ hosts: string, at: number } | undefined>(tx.objectStore(ISSUED).get(peer)))
    return row == null ? undefined : { hosts: row.hosts, at: row.at }
  }

  async markIssued (peer: string, hosts: string, at: number): Promise<void> {
    await this.db.write([ISSUED], tx => { tx.objectStore(ISSUED).put({ peer, hosts, at }) })
  }
}
