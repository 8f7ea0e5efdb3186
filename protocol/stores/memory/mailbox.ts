/**
 * Mailboxes in memory (DESIGN.md "Mailboxes"): the same contract as the SQLite store in
 * node/store/mailbox.ts, for unit tests and in-process simulation; not durable. Bytes are copied
 * on the way in and out, so no caller shares an array with the store.
 */
import { toHex } from '../../messaging/envelope.js'
import { QuotaExceededError } from '../../errors.js'
import type { AckedItem, DepositLimits, HostedMailStore, HostedOwner, MailboxItem, MailboxSettingsStore, MailboxUsage, RevokedSender } from '../stores.js'

/** receiptsFor hands out at most this many receipts per call, as the SQLite store does */
const RECEIPTS_PER_CALL = 1024

interface StoredItem extends MailboxItem { cursor: number }
interface StoredReceipt { id: string, receipt: Uint8Array, expiresAt: number }

const copyItem = (i: StoredItem): StoredItem => ({ ...i, envelope: i.envelope.slice(), hash: i.hash.slice() })
const copyOwner = (o: HostedOwner): HostedOwner => ({ ...o, identity: o.identity.slice() })
/** code-point order, as SQLite's BINARY collation */
const byText = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0
const itemKey = (depositor: string, id: string): string => `${depositor}/${id}`

/**
 * Hosted mail (HostedMailStore) and this node's mailbox settings (MailboxSettingsStore), in memory.
 *
 * @example
 * ```ts
 * const store = new MemoryMailboxStore()
 * const [result] = await store.deposit([{ item, limits }])
 * ```
 */
export class MemoryMailboxStore implements HostedMailStore, MailboxSettingsStore {
  private readonly owners = new Map<string, HostedOwner>()
  /** per owner, by `${depositor}/${id}`; a Map keeps insertion order, which is deposit (cursor) order */
  private readonly items = new Map<string, Map<string, StoredItem>>()
  /** cursors only grow: one is never handed out twice, not even after its mail is gone */
  private cursor = 0
  /** per depositor, by message id */
  private readonly receipts = new Map<string, Map<string, StoredReceipt>>()
  /** by `${owner} ${hex(sender)}` */
  private readonly revoked = new Map<string, number>()
  private readonly prekeys = new Map<string, Uint8Array[]>()
  private hosts: string[] = []
  private readonly issuedTo = new Map<string, { hosts: string, at: number }>()
  /** the owner's revoked senders, by hex */
  private readonly ownerRevoked = new Map<string, RevokedSender>()
  /** usage by owner, and by `${owner} ${depositor}` */
  private readonly counters = new Map<string, MailboxUsage>()
  private total = 0

  async host (owner: HostedOwner): Promise<void> {
    const old = this.owners.get(owner.peer)
    // changing the limits keeps the date the agreement was first made, as in SQLite
    this.owners.set(owner.peer, { ...copyOwner(owner), addedAt: old?.addedAt ?? owner.addedAt })
  }

  async unhost (peer: string): Promise<void> {
    for (const item of this.items.get(peer)?.values() ?? []) this.count(item, -1)
    this.items.delete(peer)
    this.prekeys.delete(peer)
    // revocations stay: hosting the owner again must not revive a capability it revoked
    this.owners.delete(peer)
  }

  async hosted (peer?: string): Promise<HostedOwner[]> {
    if (peer != null) {
      const o = this.owners.get(peer)
      return o == null ? [] : [copyOwner(o)]
    }
    return [...this.owners.values()].sort((a, b) => byText(a.name, b.name)).map(copyOwner)
  }

  async deposit (batch: Array<{ item: MailboxItem, limits: DepositLimits }>): Promise<Array<{ storedAt: number, duplicate: boolean } | Error>> {
    // checked one by one: a deposit counts against the limits of those after it in the batch
    return batch.map(({ item, limits }) => {
      const old = this.items.get(item.owner)?.get(itemKey(item.depositor, item.id))
      if (old != null) return { storedAt: old.storedAt, duplicate: true }
      const problem = this.overLimit(item, limits)
      if (problem != null) return new QuotaExceededError(problem)
      const stored = copyItem({ ...item, cursor: ++this.cursor })
      let mail = this.items.get(item.owner)
      if (mail == null) this.items.set(item.owner, mail = new Map())
      mail.set(itemKey(item.depositor, item.id), stored)
      this.count(stored, 1)
      return { storedAt: item.storedAt, duplicate: false }
    })
  }

  private overLimit (item: MailboxItem, l: DepositLimits): string | undefined {
    const size = item.envelope.byteLength
    const mine = this.usageOf(`${item.owner} ${item.depositor}`)
    const owner = this.usageOf(item.owner)
    if (mine.messages + 1 > l.depositorMessages) return `your quota at this mailbox is ${l.depositorMessages} messages`
    if (mine.bytes + size > l.depositorBytes) return `your quota at this mailbox is ${l.depositorBytes} bytes`
    if (owner.messages + 1 > l.ownerMessages) return `the recipient's mailbox here is full (${l.ownerMessages} messages)`
    if (owner.bytes + size > l.ownerBytes) return `the recipient's mailbox here is full (${l.ownerBytes} bytes)`
    if (this.total + size > l.totalBytes) return 'this mailbox host has no room left'
    return undefined
  }

  /** add (sign 1) or remove (sign -1) an item from the usage counters */
  private count (item: MailboxItem, sign: 1 | -1): void {
    const bytes = sign * item.envelope.byteLength
    for (const key of [item.owner, `${item.owner} ${item.depositor}`]) {
      const u = this.usageOf(key)
      const next = { bytes: u.bytes + bytes, messages: u.messages + sign }
      if (next.messages === 0) this.counters.delete(key)
      else this.counters.set(key, next)
    }
    this.total += bytes
  }

  private usageOf (key: string): MailboxUsage {
    const u = this.counters.get(key)
    return u == null ? { bytes: 0, messages: 0 } : { ...u }
  }

  async fetch (owner: string, after: number, limit: number, now: number): Promise<Array<MailboxItem & { cursor: number }>> {
    const page: StoredItem[] = []
    for (const item of this.items.get(owner)?.values() ?? []) {
      if (page.length >= limit) break
      if (item.cursor > after && item.expiresAt > now) page.push(copyItem(item))
    }
    return page
  }

  async ack (owner: string, acked: AckedItem[], receipts: Map<string, Uint8Array>): Promise<string[]> {
    const mail = this.items.get(owner)
    return acked.flatMap(({ id, depositor }) => {
      const item = mail?.get(itemKey(depositor, id))
      if (mail == null || item == null) return []
      mail.delete(itemKey(depositor, id))
      this.count(item, -1)
      const receipt = receipts.get(id)
      // the receipt lives as long as the mail it answers would have; one per owner device (copies of one message share the id)
      if (receipt != null) this.receiptsOf(item.depositor).set(itemKey(owner, id), { id, receipt: receipt.slice(), expiresAt: item.expiresAt })
      return [id]
    })
  }

  private receiptsOf (depositor: string): Map<string, StoredReceipt> {
    let kept = this.receipts.get(depositor)
    if (kept == null) this.receipts.set(depositor, kept = new Map())
    return kept
  }

  async receiptsFor (depositor: string, done: string[]): Promise<Uint8Array[]> {
    const kept = this.receipts.get(depositor)
    if (kept == null) return []
    const finished = new Set(done)
    for (const [key, r] of kept) if (finished.has(r.id)) kept.delete(key)
    return [...kept.values()].sort((a, b) => byText(a.id, b.id)).slice(0, RECEIPTS_PER_CALL).map(r => r.receipt.slice())
  }

  async usage (owner: string, depositor?: string): Promise<MailboxUsage> {
    return this.usageOf(depositor == null ? owner : `${owner} ${depositor}`)
  }

  async totalBytes (): Promise<number> {
    return this.total
  }

  async sweep (now: number): Promise<number> {
    let n = 0
    for (const mail of this.items.values()) {
      for (const [id, item] of mail) {
        if (item.expiresAt > now) continue
        mail.delete(id)
        this.count(item, -1)
        n++
      }
    }
    for (const kept of this.receipts.values()) {
      for (const [key, r] of kept) {
        if (r.expiresAt <= now) { kept.delete(key); n++ }
      }
    }
    return n
  }

  async nextExpiry (): Promise<number | undefined> {
    let next = Infinity
    for (const mail of this.items.values()) for (const item of mail.values()) next = Math.min(next, item.expiresAt)
    for (const kept of this.receipts.values()) for (const r of kept.values()) next = Math.min(next, r.expiresAt)
    return next === Infinity ? undefined : next
  }

  async revoke (owner: string, sender: Uint8Array, before: number): Promise<void> {
    const key = `${owner} ${toHex(sender)}`
    // a revocation only ever widens: a stale request cannot bring a revoked capability back
    this.revoked.set(key, Math.max(this.revoked.get(key) ?? 0, before))
  }

  async revokedBefore (owner: string, sender: Uint8Array): Promise<number> {
    return this.revoked.get(`${owner} ${toHex(sender)}`) ?? 0
  }

  async addPrekeys (owner: string, prekeys: Uint8Array[]): Promise<void> {
    const kept = this.prekeys.get(owner) ?? []
    kept.push(...prekeys.map(p => p.slice()))
    this.prekeys.set(owner, kept)
  }

  async claimPrekey (owner: string): Promise<Uint8Array | undefined> {
    // oldest first, as SQLite hands them out
    return this.prekeys.get(owner)?.shift()
  }

  async countPrekeys (owner: string): Promise<number> {
    return this.prekeys.get(owner)?.length ?? 0
  }

  async useHosts (peers: string[]): Promise<void> {
    this.hosts = [...new Set(peers)] // a Set keeps each host's first position
  }

  async usedHosts (): Promise<string[]> {
    return [...this.hosts]
  }

  async revokeSender (sender: Uint8Array, before: number): Promise<void> {
    const old = this.ownerRevoked.get(toHex(sender))
    this.ownerRevoked.set(toHex(sender), { sender: sender.slice(), before: Math.max(old?.before ?? before, before), told: old != null && old.before >= before ? old.told : [] })
  }

  async allowSender (sender: Uint8Array): Promise<void> {
    this.ownerRevoked.delete(toHex(sender))
  }

  async revokedSenders (): Promise<RevokedSender[]> {
    return [...this.ownerRevoked.values()].map(r => ({ sender: r.sender.slice(), before: r.before, told: [...r.told] }))
  }

  async markTold (host: string, sender: Uint8Array): Promise<void> {
    const r = this.ownerRevoked.get(toHex(sender))
    if (r != null && !r.told.includes(host)) r.told.push(host)
  }

  async issued (peer: string): Promise<{ hosts: string, at: number } | undefined> {
    const i = this.issuedTo.get(peer)
    return i == null ? undefined : { ...i }
  }

  async markIssued (peer: string, hosts: string, at: number): Promise<void> {
    this.issuedTo.set(peer, { hosts, at })
  }
}
