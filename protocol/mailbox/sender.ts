/**
 * The sender's side: when a recipient stays unreachable, deposit its queued messages at k of the
 * hosts its capability names, keeping each host's custody receipt; later collect the delivery
 * receipts the recipient left there. First contact with an offline peer claims one of its
 * one-time prekeys from one of its hosts.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeEnvelope, toHex } from '../messaging/envelope.js'
import { verifyReceipt } from '../receipts/receipt.js'
import { DeliveryReceipt } from '../receipts/pb/receipt.js'
import { BATCH_BYTES, CLAIM_TIMEOUT_MS, DEFAULT_REPLICATION, DEPOSIT_BATCH, DEPOSIT_STREAMS } from './constants.js'
import { hostAddresses, hostOf } from './links.js'
import { CustodyReceipt, OneTimePrekey } from './pb/mailbox.js'
import { openCapability, verifyCustody } from './signed.js'
import type { MailboxClient } from './client.js'
import type { HostLinks } from './links.js'
import type { Capability, DepositAnswer } from './pb/mailbox.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Identity } from '../crypto/identity.js'
import type { Contact, Custody, MessageStore, QueuedMessage } from '../stores/stores.js'
import type { Logger } from '@libp2p/interface'

/** An envelope to deposit, with the custody it already has. */
export interface Depositable { id: string, envelope: Uint8Array, mailboxes?: Custody[] }

export interface SenderInit {
  messages: MessageStore
  identity: Identity
  crypto: CryptoBackend
  links: HostLinks
  now(): number
  log: Logger
  /** how many hosts each message is deposited at; DEFAULT_REPLICATION */
  replication?: number
  /**
   * whose capability covers mail for `peer`: another device of a contact deposits under the
   * contact's (its hosts serve every device of the person: docs/DEVICES.md)
   */
  capabilityPeer?(peer: string): Promise<string>
}

export class Sender {
  private receiptsRunning?: Promise<number>

  constructor (private readonly init: SenderInit) {}

  /**
   * Deposit queued messages for `peer` at k of its mailboxes (the hosts its capability names, in
   * order; a host that refuses, say over quota, is skipped for the next). Messages with at least
   * one custody receipt become 'stored'.
   *
   * @returns how many messages were stored somewhere
   */
  async deposit (peer: string, messages: QueuedMessage[]): Promise<number> {
    if (messages.length === 0) return 0
    const bytes = await this.init.messages.capability(peer) ?? await this.init.messages.capability(await this.init.capabilityPeer?.(peer) ?? peer)
    if (bytes == null) return 0
    const custody = await this.depositWith(bytes, messages, peer)
    const stored = messages.flatMap(m => {
      const c = custody.get(m.id) ?? []
      return c.length > (m.mailboxes?.length ?? 0) ? [{ id: m.id, custody: c, peer }] : []
    })
    if (stored.length > 0) await this.init.messages.markStored(stored)
    return stored.length
  }

  /**
   * Deposit envelopes under one capability at k of the hosts it names (in order; a host that
   * refuses, say over quota, is skipped for the next), on top of the custody each already has.
   *
   * @returns every envelope's custody receipts, old and new (none when the capability is unusable)
   */
  async depositWith (bytes: Uint8Array, items: Depositable[], whose = 'the recipient'): Promise<Map<string, Custody[]>> {
    const custody = new Map<string, Custody[]>(items.map(m => [m.id, [...(m.mailboxes ?? [])]]))
    let cap: Capability
    try {
      cap = await openCapability(bytes, this.init.crypto)
    } catch (err: any) {
      this.init.log('the capability %s gave is unusable: %s', whose, err.message)
      return custody
    }
    if (cap.notAfter <= this.init.now()) return custody
    const k = this.init.replication ?? DEFAULT_REPLICATION
    for (const h of cap.hosts) {
      const { peer: host, addrs } = hostOf(h)
      const todo = items.filter(m => (custody.get(m.id) ?? []).length < k && !(custody.get(m.id) ?? []).some(c => c.host === host))
      if (todo.length === 0) break
      let client: MailboxClient
      try {
        client = await this.init.links.host(host, addrs)
      } catch (err: any) {
        this.init.log('mailbox %s of %s unreachable: %s', host, whose, err.message)
        continue
      }
      // two batches in flight: one is verified here while the host works on the next
      const queue = batches(todo)
      let failed = false
      await Promise.all(Array.from({ length: DEPOSIT_STREAMS }, async () => {
        for (let batch = queue.shift(); batch != null && !failed; batch = queue.shift()) {
          let answers: DepositAnswer[]
          try {
            answers = await client.deposit(batch.map(m => ({ capability: bytes, deviceSignature: this.init.identity.deviceSignature, envelope: m.envelope })))
          } catch (err: any) {
            this.init.log('deposit at %s failed: %s', host, err.message)
            failed = true
            return
          }
          for (const [j, a] of answers.entries()) await this.keepCustody(host, batch[j], a, custody)
        }
      }))
    }
    return custody
  }

  /** Verify one deposit's answer and remember its custody receipt. */
  private async keepCustody (host: string, m: Depositable, a: DepositAnswer, custody: Map<string, Custody[]>): Promise<void> {
    if (a.custody == null) {
      this.init.log('mailbox %s refused %s: %s', host, m.id, a.refusal?.reason ?? 'no answer')
      return
    }
    try {
      const env = decodeEnvelope(m.envelope)
      await verifyCustody(a.custody, peerIdFromString(host), env.id, await this.init.crypto.sha256(m.envelope), env.expiresAt, this.init.crypto)
      custody.get(m.id)?.push({ host, storedAt: a.custody.storedAt, receipt: CustodyReceipt.encode(a.custody) })
    } catch (err: any) {
      this.init.log('mailbox %s gave a bad custody receipt: %s', host, err.message)
    }
  }

  /**
   * Ask the hosts holding this node's stored messages for delivery receipts the recipient left
   * there: the sender learns of delivery without ever being online with the recipient.
   *
   * @returns how many messages became delivered
   */
  async collectReceipts (): Promise<number> {
    this.receiptsRunning ??= this.receiptsOnce().finally(() => { this.receiptsRunning = undefined })
    return this.receiptsRunning
  }

  private async receiptsOnce (): Promise<number> {
    const stored = await this.init.messages.queued(undefined, { status: 'stored' })
    if (stored.length === 0) return 0
    // copies of one message to several devices share the id: a receipt is the copy's whose device signed it
    const byId = new Map<string, typeof stored>()
    for (const m of stored) byId.set(m.id, [...byId.get(m.id) ?? [], m])
    const hosts = new Set(stored.flatMap(m => (m.mailboxes ?? []).map(c => c.host)))
    const addrs = await hostAddresses(this.init.messages, this.init.crypto, new Set(stored.map(m => m.peer)))
    let delivered = 0
    for (const host of hosts) {
      try {
        const client = await this.init.links.host(host, addrs.get(host) ?? [])
        const found = await client.receipts([])
        const done: Uint8Array[] = []
        const marks = []
        for (const bytes of found) {
          let receipt: DeliveryReceipt
          try {
            receipt = DeliveryReceipt.decode(bytes, { limits: { path: 16 } })
          } catch {
            continue
          }
          done.push(receipt.messageId)
          const copies = byId.get(toHex(receipt.messageId))
          if (copies == null) continue
          const m = await this.signerOf(receipt, copies)
          if (m == null) {
            this.init.log('mailbox %s passed on a receipt that does not verify', host)
            continue
          }
          marks.push({ id: m.id, peer: m.peer, receipt: bytes, deliveredAt: this.init.now() })
          copies.splice(copies.indexOf(m), 1)
        }
        if (marks.length > 0) await this.init.messages.markDelivered(marks)
        delivered += marks.length
        if (done.length > 0) await client.receipts(done)
      } catch (err: any) {
        this.init.log('could not collect receipts from mailbox %s: %s', host, err.message)
      }
    }
    return delivered
  }

  /** The copy whose device signed `receipt` over that copy's envelope, if any. */
  private async signerOf (receipt: DeliveryReceipt, copies: QueuedMessage[]): Promise<QueuedMessage | undefined> {
    for (const m of copies) {
      try {
        await verifyReceipt(receipt, peerIdFromString(m.peer), receipt.messageId, await this.init.crypto.sha256(m.envelope), this.init.crypto)
        return m
      } catch {}
    }
    return undefined
  }

  /**
   * First contact with a peer that may be offline: a one-time prekey from one of its hosts (from
   * its invite, or its capability), or undefined when none answers.
   */
  async claimPrekey (contact: Contact): Promise<{ id: number, publicKey: Uint8Array } | undefined> {
    const hosts = new Map((contact.mailboxes ?? []).map(m => [m.peer, m.addrs]))
    for (const [peer, addrs] of await hostAddresses(this.init.messages, this.init.crypto, new Set([contact.peerId]))) if (!hosts.has(peer)) hosts.set(peer, addrs)
    for (const [host, addrs] of hosts) {
      try {
        const client = await this.init.links.dial(host, addrs)
        const bytes = await client.claim(peerIdFromString(contact.peerId).toMultihash().bytes, { signal: AbortSignal.timeout(CLAIM_TIMEOUT_MS) })
        if (bytes == null) continue
        const p = OneTimePrekey.decode(bytes)
        if (p.id > 0 && p.publicKey.byteLength === 32) return { id: p.id, publicKey: p.publicKey }
      } catch (err: any) {
        this.init.log('no one-time prekey from %s: %s', host, err.message)
      }
    }
    return undefined
  }
}

/** Deposit batches: at most DEPOSIT_BATCH messages and BATCH_BYTES of envelopes each (one always fits). */
function batches<T extends Depositable> (messages: T[]): T[][] {
  const out: T[][] = []
  let current: T[] = []
  let bytes = 0
  for (const m of messages) {
    if (current.length > 0 && (current.length >= DEPOSIT_BATCH || bytes + m.envelope.byteLength > BATCH_BYTES)) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(m)
    bytes += m.envelope.byteLength + 512 // capability and certificate travel with each
  }
  if (current.length > 0) out.push(current)
  return out
}
