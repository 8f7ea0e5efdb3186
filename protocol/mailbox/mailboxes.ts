/**
 * Mailboxes from the point of view of each party (DESIGN.md "Mailboxes", issue 5):
 * - host: agreements with owners (`ferry mailbox host NAME`); the protocol side is services/mailbox;
 * - owner: the hosts its mail may wait at (`ferry mailbox use NAME...`), a signed capability for
 *   every contact (sent in-band as a control message), fetching, storing, and acking to every host
 *   of the set with delivery receipts the depositors can collect there;
 * - sender: depositing to k hosts named in the recipient's capability when the recipient stays
 *   unreachable, and collecting delivery receipts from those hosts.
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { checkEnvelope, decodeEnvelope, toHex } from '../envelope.js'
import { InvalidEnvelopeError, InvalidInputError, UnknownContactError } from '../errors.js'
import { signReceipt, verifyReceipt } from '../receipts/receipt.js'
import { DeliveryReceipt } from '../receipts/pb/receipt.js'
import { MAX_TTL_MS, MIN_TTL_MS } from '../constants.js'
import { generatePrekeys } from '../crypto/prekeys.js'
import { BATCH_BYTES, CAPABILITY_RENEW_MS, CAPABILITY_TTL_MS, CLAIM_TIMEOUT_MS, DEFAULT_OWNER_QUOTA, DEFAULT_REPLICATION, DEFAULT_SENDER_QUOTA, DEPOSIT_BATCH, DEPOSIT_STREAMS, FETCH_PAGE, MAX_HOSTS, PREKEYS_LOW, PREKEYS_UPLOAD } from './constants.js'
import { MailboxRefusedError } from './errors.js'
import { CustodyReceipt as CustodyReceiptCodec, OneTimePrekey } from './pb/mailbox.js'
import { openCapability, signCapability, verifyCustody, verifyDeletion } from './signed.js'
import type { Mailbox } from './index.js'
import type { Capability, Request, Response } from './pb/mailbox.js'
import type { CryptoBackend } from '../crypto.js'
import type { PrekeyStore } from '../crypto/prekeys.js'
import type { Identity } from '../identity.js'
import type { Contact, ContactStore, Custody, HostedOwner, MailboxStore, MessageStore, QueuedMessage } from '../stores.js'
import type { Connection, Ed25519PrivateKey, Libp2p, Logger, PeerId } from '@libp2p/interface'

export interface MailboxesInit {
  libp2p: Libp2p<{ mailbox: Mailbox }>
  store: MailboxStore
  messages: MessageStore
  contacts: ContactStore
  identity: Identity
  crypto: CryptoBackend
  now(): number
  log: Logger
  /** a connection to a peer (contact addresses, peer store, DHT) */
  connect(peer: string, addrs: string[]): Promise<Connection>
  /** decrypt and durably store an envelope received from `from` (the Inbox) */
  accept(env: ReturnType<typeof decodeEnvelope>, bytes: Uint8Array, from: PeerId): Promise<{ storedAt: number }>
  /** queue a control message carrying `capability` to a contact */
  sendCapability(contact: Contact, capability: Uint8Array): Promise<void>
  /** this device's prekeys: one-time prekeys are made here for the hosts */
  prekeys: PrekeyStore
  replication?: number
}

export interface HostingView { contact: string, peer: string, bytes: number, messages: number, quotaBytes: number, quotaMessages: number, maxTtlMs: number }
export interface MailboxStatus { hosting: HostingView[], using: Array<{ contact: string, peer: string }> }

/** What a collection from one host did. */
export interface Collected { host: string, fetched: number, stored: number, acked: number }

export class Mailboxes {
  private readonly collecting = new Map<string, Promise<Collected>>()
  private receiptsRunning?: Promise<number>

  constructor (private readonly init: MailboxesInit) {}

  private get me (): PeerId {
    return this.init.libp2p.peerId
  }

  private async contact (name: string): Promise<Contact> {
    const c = await this.init.contacts.get(name)
    if (c == null) throw new UnknownContactError(`no contact named "${name}"`)
    return c
  }

  // --- host ---

  /**
   * Agree to keep mail for contact `name`. Its identity must be known (contacts added by invite,
   * or after one message), since capabilities are checked against it.
   */
  async host (name: string, limits: { quotaBytes?: number, quotaMessages?: number, maxTtlMs?: number } = {}): Promise<HostedOwner> {
    const c = await this.contact(name)
    if (c.identity == null) throw new InvalidInputError(`${name}'s identity key is not known yet: add them by invite, or exchange a message first`)
    const maxTtlMs = limits.maxTtlMs ?? MAX_TTL_MS
    if (!(maxTtlMs >= MIN_TTL_MS && maxTtlMs <= MAX_TTL_MS)) throw new InvalidInputError(`the longest time to keep mail must be between ${MIN_TTL_MS / 1000} s and ${MAX_TTL_MS / 86_400_000} days`)
    for (const [k, v] of Object.entries({ quotaBytes: limits.quotaBytes, quotaMessages: limits.quotaMessages })) {
      if (v != null && !(Number.isSafeInteger(v) && v > 0)) throw new InvalidInputError(`${k} must be a positive whole number`)
    }
    const owner: HostedOwner = { peer: c.peerId, identity: c.identity, name: c.name, quotaBytes: limits.quotaBytes ?? DEFAULT_OWNER_QUOTA.bytes, quotaMessages: limits.quotaMessages ?? DEFAULT_OWNER_QUOTA.messages, maxTtlMs, addedAt: this.init.now() }
    await this.init.store.host(owner)
    return owner
  }

  /** End the agreement with `name`; its waiting mail is deleted. */
  async unhost (name: string): Promise<void> {
    const c = await this.contact(name)
    if ((await this.init.store.hosted(c.peerId)).length === 0) throw new InvalidInputError(`this node keeps no mail for ${name}`)
    await this.init.store.unhost(c.peerId)
  }

  // --- owner ---

  /** Let this node's mail wait at these contacts' daemons; every contact gets a new capability. */
  async use (names: string[]): Promise<string[]> {
    const hosts = await Promise.all(names.map(async n => this.contact(n)))
    if (new Set(hosts.map(h => h.peerId)).size !== hosts.length) throw new InvalidInputError('a mailbox host is named twice')
    if (hosts.length > MAX_HOSTS) throw new InvalidInputError(`at most ${MAX_HOSTS} mailbox hosts`)
    await this.init.store.useHosts(hosts.map(h => h.peerId))
    await this.tellRevocations() // a new host learns of every revocation before any deposit
    await this.offerCapabilities()
    return hosts.map(h => h.name)
  }

  /** The hosts this node's mail may wait at, with where to dial them. */
  private async hostSet (): Promise<Array<{ peerId: Uint8Array, addrs: Uint8Array[] }>> {
    const out = []
    for (const peer of await this.init.store.usedHosts()) {
      const c = await this.init.contacts.getByPeer(peer)
      const addrs = new Set(c?.addresses ?? [])
      try {
        for (const a of (await this.init.libp2p.peerStore.get(peerIdFromString(peer))).addresses) addrs.add(a.multiaddr.toString())
      } catch {}
      out.push({ peerId: peerIdFromString(peer).toMultihash().bytes, addrs: [...addrs].slice(0, 8).map(a => multiaddr(a).bytes) })
    }
    return out
  }

  /**
   * Give every contact whose identity is known a capability for the current host set, unless it
   * has a recent one for the same set, or was revoked (until `allow`). It travels as an encrypted
   * control message: at once if the contact is connected, else at its next connection (or
   * through its own mailboxes).
   */
  async offerCapabilities (): Promise<number> {
    const used = await this.init.store.usedHosts()
    if (used.length === 0) return 0
    const key = used.join(' ')
    const now = this.init.now()
    const hosts = await this.hostSet()
    const revoked = new Set((await this.init.store.revokedSenders()).map(r => toHex(r.sender)))
    let sent = 0
    for (const c of await this.init.contacts.list()) {
      if (c.identity == null || c.pendingIdentity != null || revoked.has(toHex(c.identity))) continue
      const last = await this.init.store.issued(c.peerId)
      if (last != null && last.hosts === key && now - last.at < CAPABILITY_RENEW_MS) continue
      const capability = await signCapability(this.init.identity.identityKey, {
        ownerDevice: this.me.toMultihash().bytes,
        sender: c.identity,
        hosts,
        issuedAt: now,
        notAfter: now + CAPABILITY_TTL_MS,
        quotaBytes: DEFAULT_SENDER_QUOTA.bytes,
        quotaMessages: DEFAULT_SENDER_QUOTA.messages
      }, this.init.crypto)
      await this.init.sendCapability(c, capability)
      await this.init.store.markIssued(c.peerId, key, now)
      sent++
    }
    return sent
  }

  /**
   * Revoke the capabilities a contact holds, at every host of the set: those reachable now, the
   * others when they are next reached (the revocation is kept and retried), and any host added
   * later. The contact gets no new capability until `allow`.
   *
   * @returns how many hosts confirmed it now
   */
  async revoke (name: string): Promise<number> {
    const c = await this.contact(name)
    if (c.identity == null) throw new InvalidInputError(`${name}'s identity key is not known`)
    await this.init.store.revokeSender(c.identity, this.init.now() + 1)
    await this.tellRevocations()
    const mine = (await this.init.store.revokedSenders()).find(r => toHex(r.sender) === toHex(c.identity as Uint8Array))
    return mine?.told.length ?? 0
  }

  /** Lift a revocation: the contact gets a new capability (`ferry mailbox allow`). */
  async allow (name: string): Promise<void> {
    const c = await this.contact(name)
    if (c.identity == null) throw new InvalidInputError(`${name}'s identity key is not known`)
    await this.allowIdentity(c.identity, c.peerId)
  }

  /** Lift any revocation of `identity` and forget what `peer` was issued, so it gets a capability now. */
  async allowIdentity (identity: Uint8Array, peer: string): Promise<void> {
    await this.init.store.allowSender(identity)
    await this.init.store.markIssued(peer, '', 0)
    await this.offerCapabilities()
  }

  /**
   * Tell every host of the set each revocation it has not confirmed yet (at `revoke`, on every
   * round, when a host connects).
   *
   * @returns how many (host, sender) revocations were confirmed
   */
  async tellRevocations (only?: string): Promise<number> {
    const revoked = await this.init.store.revokedSenders()
    if (revoked.length === 0) return 0
    let told = 0
    for (const host of await this.init.store.usedHosts()) {
      if (only != null && host !== only) continue
      for (const r of revoked.filter(r => !r.told.includes(host))) {
        try {
          const [answer] = await this.ask(host, [{ revoke: { sender: r.sender, before: r.before }, status: false }])
          expect(answer, 'usage') // a host that does not serve us refuses: not told
          await this.init.store.markTold(host, r.sender)
          told++
        } catch (err: any) {
          this.init.log('could not tell mailbox %s of a revocation (kept, retried later): %s', host, err.message)
          break
        }
      }
    }
    return told
  }

  /**
   * Keep one-time prekeys waiting at every host (issue 5 scope 9): a host holding fewer than
   * PREKEYS_LOW gets PREKEYS_UPLOAD new ones, made here and marked handed out so this device's own
   * bundle service never gives them to anyone else. Each host gets different ones.
   *
   * @returns how many were uploaded
   */
  async uploadPrekeys (): Promise<number> {
    let uploaded = 0
    for (const host of await this.init.store.usedHosts()) {
      try {
        const [status] = await this.ask(host, [{ status: true }])
        if (expect(status, 'usage').prekeys >= PREKEYS_LOW) continue
        await generatePrekeys(this.init.crypto, this.init.identity, this.init.prekeys, { oneTime: PREKEYS_UPLOAD, now: this.init.now() })
        const batch: Uint8Array[] = []
        for (let i = 0; i < PREKEYS_UPLOAD; i++) {
          const p = await this.init.prekeys.issueOneTimePrekey()
          if (p != null) batch.push(OneTimePrekey.encode(p))
        }
        const [r] = await this.ask(host, [{ prekeys: { prekeys: batch }, status: false }])
        expect(r, 'usage')
        uploaded += batch.length
      } catch (err: any) {
        this.init.log('could not leave one-time prekeys at %s: %s', host, err.message)
      }
    }
    return uploaded
  }

  /**
   * First contact with a peer that may be offline: a one-time prekey from one of its hosts (from
   * its invite, or its capability), or undefined when none answers.
   */
  async claimPrekey (contact: Contact): Promise<{ id: number, publicKey: Uint8Array } | undefined> {
    const hosts = new Map((contact.mailboxes ?? []).map(m => [m.peer, m.addrs]))
    for (const [peer, addrs] of await this.hostAddresses(new Set([contact.peerId]))) if (!hosts.has(peer)) hosts.set(peer, addrs)
    for (const [host, addrs] of hosts) {
      try {
        const connection = await this.init.connect(host, addrs)
        const [r] = await this.init.libp2p.services.mailbox.request(connection, [{ claim: { owner: peerIdFromString(contact.peerId).toMultihash().bytes }, status: false }], { signal: AbortSignal.timeout(CLAIM_TIMEOUT_MS) })
        if (r.refusal != null || r.prekey.byteLength === 0) continue
        const p = OneTimePrekey.decode(r.prekey)
        if (p.id > 0 && p.publicKey.byteLength === 32) return { id: p.id, publicKey: p.publicKey }
      } catch (err: any) {
        this.init.log('no one-time prekey from %s: %s', host, err.message)
      }
    }
    return undefined
  }

  /** This node's mailbox hosts as invites name them. */
  async refs (): Promise<Array<{ peer: string, addrs: string[] }>> {
    return (await this.hostSet()).map(h => ({ peer: peerIdFromMultihash(Digest.decode(h.peerId)).toString(), addrs: h.addrs.map(a => multiaddr(a).toString()) }))
  }

  /** Fetch from every host of the set (on start, on connect, periodically). */
  async collect (): Promise<Collected[]> {
    const hosts = await this.init.store.usedHosts()
    const results = await Promise.allSettled(hosts.map(async h => this.collectFrom(h)))
    return results.flatMap(r => r.status === 'fulfilled' ? [r.value] : [])
  }

  /** Fetch all waiting mail from one host, store it, and ack it there and at every sibling. */
  async collectFrom (host: string): Promise<Collected> {
    const running = this.collecting.get(host)
    if (running != null) return running
    const work = this.fetchAll(host).finally(() => this.collecting.delete(host))
    this.collecting.set(host, work)
    work.catch((err: any) => { this.init.log('could not collect mail from %s: %s', host, err.message) })
    return work
  }

  /**
   * Pipelined: the next page is fetched while this one is decrypted and stored, and each page's
   * ack goes out while the next is processed (acks of one host run in order).
   */
  private async fetchAll (host: string): Promise<Collected> {
    const done: Collected = { host, fetched: 0, stored: 0, acked: 0 }
    const connection = await this.connectTo(host)
    const fetchPage = async (after: number): Promise<NonNullable<Response['page']>> => {
      const [r] = await this.init.libp2p.services.mailbox.request(connection, [{ fetch: { after, limit: FETCH_PAGE } }])
      return expect(r, 'page')
    }
    let acking: Promise<void> = Promise.resolve()
    let next: Promise<NonNullable<Response['page']>> | undefined = fetchPage(0)
    while (next != null) {
      const page: NonNullable<Response['page']> = await next
      next = page.more && page.items.length > 0 ? fetchPage(page.items[page.items.length - 1].cursor) : undefined
      next?.catch(() => {}) // awaited on the next turn; a failure then ends the round
      done.fetched += page.items.length
      const taken = await Promise.all(page.items.map(async item => this.take(item.envelope, item.depositor)))
      const kept = page.items.filter((_, i) => taken[i] != null)
      const ids = taken.flatMap(t => t == null ? [] : [t.id])
      const depositors = kept.map(item => item.depositor)
      const receipts = taken.flatMap(t => t?.receipt == null ? [] : [t.receipt])
      done.stored += receipts.length
      if (ids.length > 0) acking = acking.then(async () => { done.acked += await this.ackEverywhere(host, connection, { ids, depositors, receipts }) })
    }
    await acking
    if (done.fetched > 0) this.init.log('collected %d messages from mailbox %s', done.fetched, host)
    return done
  }

  /**
   * Store one fetched envelope. Returns its id to ack (with a delivery receipt when stored), or
   * undefined to leave it at the host (our storage failed: try again later).
   */
  private async take (bytes: Uint8Array, depositor: Uint8Array): Promise<{ id: Uint8Array, receipt?: Uint8Array } | undefined> {
    let env
    try {
      env = decodeEnvelope(bytes)
    } catch {
      return undefined
    }
    const problem = checkEnvelope(env, this.me.toMultihash().bytes, this.init.now())
    if (problem != null) {
      this.init.log('dropping mail %s from a mailbox: %s', toHex(env.id), problem.reason)
      return { id: env.id }
    }
    try {
      const from = peerIdFromMultihash(Digest.decode(depositor))
      const { storedAt } = await this.init.accept(env, bytes, from)
      const receipt = await signReceipt(this.init.identity.deviceKey as Ed25519PrivateKey, this.me, env.id, await this.init.crypto.sha256(bytes), storedAt, this.init.crypto)
      return { id: env.id, receipt: DeliveryReceipt.encode(receipt) }
    } catch (err: any) {
      if (err instanceof InvalidEnvelopeError || err.name === 'InvalidMultihashError' || err.name === 'UnsupportedKeyTypeError') {
        this.init.log('dropping mail %s from a mailbox that cannot be opened: %s', toHex(env.id), err.message)
        return { id: env.id }
      }
      this.init.log.error('could not store mail %s from a mailbox - %e', toHex(env.id), err)
      return undefined
    }
  }

  /** Ack at the host fetched from and at every other host of the set that can be reached now. */
  private async ackEverywhere (host: string, connection: Connection, ack: { ids: Uint8Array[], depositors: Uint8Array[], receipts: Uint8Array[] }): Promise<number> {
    const [r] = await this.init.libp2p.services.mailbox.request(connection, [{ ack, status: false }])
    const deleted = expect(r, 'deleted')
    await verifyDeletion(deleted, peerIdFromString(host), this.init.crypto)
    const siblings = (await this.init.store.usedHosts()).filter(h => h !== host)
    await Promise.allSettled(siblings.map(async s => this.ask(s, [{ ack, status: false }])))
    return deleted.ids.length
  }

  // --- sender ---

  /**
   * Deposit queued messages for `peer` at k of its mailboxes (the hosts its capability names, in
   * order; a host that refuses, say over quota, is skipped for the next). Messages with at least
   * one custody receipt become 'stored'.
   *
   * @returns how many messages were stored somewhere
   */
  async deposit (peer: string, messages: QueuedMessage[]): Promise<number> {
    if (messages.length === 0) return 0
    const bytes = await this.init.messages.capability(peer)
    if (bytes == null) return 0
    let cap: Capability
    try {
      cap = await openCapability(bytes, this.init.crypto)
    } catch (err: any) {
      this.init.log('the capability %s gave is unusable: %s', peer, err.message)
      return 0
    }
    if (cap.notAfter <= this.init.now()) return 0
    const k = this.init.replication ?? DEFAULT_REPLICATION
    const custody = new Map<string, Custody[]>(messages.map(m => [m.id, [...(m.mailboxes ?? [])]]))
    for (const h of cap.hosts) {
      const host = peerIdFromMultihash(Digest.decode(h.peerId)).toString()
      const todo = messages.filter(m => (custody.get(m.id) ?? []).length < k && !(custody.get(m.id) ?? []).some(c => c.host === host))
      if (todo.length === 0) break
      let ask: Ask
      try {
        ask = await this.hostAt(host, h.addrs.map(a => multiaddr(a).toString()))
      } catch (err: any) {
        this.init.log('mailbox %s of %s unreachable: %s', host, peer, err.message)
        continue
      }
      // two batches in flight: one is verified here while the host works on the next
      const queue = batches(todo)
      let failed = false
      await Promise.all(Array.from({ length: DEPOSIT_STREAMS }, async () => {
        for (let batch = queue.shift(); batch != null && !failed; batch = queue.shift()) {
          let answers: Array<{ custody?: CustodyReceiptCodec, refusal?: { reason: string } }>
          try {
            const [r] = await ask([{ deposits: batch.map(m => ({ capability: bytes, deviceSignature: this.init.identity.deviceSignature, envelope: m.envelope })) }])
            if (r.refusal != null) throw new MailboxRefusedError(r.refusal.code, r.refusal.reason)
            answers = r.answers
          } catch (err: any) {
            this.init.log('deposit at %s failed: %s', host, err.message)
            failed = true
            return
          }
          for (const [j, a] of answers.entries()) await this.keepCustody(host, batch[j], a, custody)
        }
      }))
    }
    const stored = messages.flatMap(m => {
      const c = custody.get(m.id) ?? []
      return c.length > (m.mailboxes?.length ?? 0) ? [{ id: m.id, custody: c }] : []
    })
    if (stored.length > 0) await this.init.messages.markStored(stored)
    return stored.length
  }

  /** Verify one deposit's answer and remember its custody receipt. */
  private async keepCustody (host: string, m: QueuedMessage, a: { custody?: CustodyReceiptCodec, refusal?: { reason: string } }, custody: Map<string, Custody[]>): Promise<void> {
    if (a.custody == null) {
      this.init.log('mailbox %s refused %s: %s', host, m.id, a.refusal?.reason ?? 'no answer')
      return
    }
    try {
      const env = decodeEnvelope(m.envelope)
      await verifyCustody(a.custody, peerIdFromString(host), env.id, await this.init.crypto.sha256(m.envelope), env.expiresAt, this.init.crypto)
      custody.get(m.id)?.push({ host, storedAt: a.custody.storedAt, receipt: CustodyReceiptCodec.encode(a.custody) })
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
    const byId = new Map(stored.map(m => [m.id, m]))
    const hosts = new Set(stored.flatMap(m => (m.mailboxes ?? []).map(c => c.host)))
    const addrs = await this.hostAddresses(new Set(stored.map(m => m.peer)))
    let delivered = 0
    for (const host of hosts) {
      try {
        const ask = await this.hostAt(host, addrs.get(host) ?? [])
        const [r] = await ask([{ receipts: { done: [] }, status: false }])
        const found = expect(r, 'receipts').receipts
        const done: Uint8Array[] = []
        const marks = []
        for (const bytes of found) {
          let receipt: DeliveryReceipt
          try {
            receipt = DeliveryReceipt.decode(bytes)
          } catch {
            continue
          }
          done.push(receipt.messageId)
          const m = byId.get(toHex(receipt.messageId))
          if (m == null) continue
          try {
            await verifyReceipt(receipt, peerIdFromString(m.peer), receipt.messageId, await this.init.crypto.sha256(m.envelope), this.init.crypto)
            marks.push({ id: m.id, receipt: bytes, deliveredAt: this.init.now() })
            byId.delete(m.id)
          } catch (err: any) {
            this.init.log('mailbox %s passed on a receipt that does not verify: %s', host, err.message)
          }
        }
        if (marks.length > 0) await this.init.messages.markDelivered(marks)
        delivered += marks.length
        if (done.length > 0) await ask([{ receipts: { done }, status: false }])
      } catch (err: any) {
        this.init.log('could not collect receipts from mailbox %s: %s', host, err.message)
      }
    }
    return delivered
  }

  /** Where to dial the hosts named in these recipients' capabilities. */
  private async hostAddresses (recipients: Set<string>): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>()
    for (const peer of recipients) {
      const bytes = await this.init.messages.capability(peer)
      if (bytes == null) continue
      try {
        for (const h of (await openCapability(bytes, this.init.crypto)).hosts) {
          out.set(peerIdFromMultihash(Digest.decode(h.peerId)).toString(), h.addrs.map(a => multiaddr(a).toString()))
        }
      } catch {}
    }
    return out
  }

  /** A peer connected: fetch from it if it is one of our hosts; collect receipts if it holds our mail. */
  async onConnect (peer: string): Promise<void> {
    if ((await this.init.store.usedHosts()).includes(peer)) {
      await this.tellRevocations(peer).catch(() => {})
      await this.collectFrom(peer).catch(() => {})
    }
    const stored = await this.init.messages.queued(undefined, { status: 'stored', limit: 1024 })
    if (stored.some(m => (m.mailboxes ?? []).some(c => c.host === peer))) await this.collectReceipts()
  }

  async status (): Promise<MailboxStatus> {
    const names = new Map((await this.init.contacts.list()).map(c => [c.peerId, c.name]))
    const hosting = await Promise.all((await this.init.store.hosted()).map(async o => {
      const u = await this.init.store.usage(o.peer)
      return { contact: o.name, peer: o.peer, bytes: u.bytes, messages: u.messages, quotaBytes: o.quotaBytes, quotaMessages: o.quotaMessages, maxTtlMs: o.maxTtlMs }
    }))
    const using = (await this.init.store.usedHosts()).map(p => ({ contact: names.get(p) ?? p, peer: p }))
    return { hosting, using }
  }

  /** The mailbox set record payload: this node's hosts' peer ids. */
  async hostIds (): Promise<Uint8Array[]> {
    return (await this.init.store.usedHosts()).map(p => peerIdFromString(p).toMultihash().bytes)
  }

  /**
   * A way to ask the mailbox host `host`: over a connection, or — when this node is that host (a
   * sender keeping mail for the recipient) — its own mailbox, with no dial.
   */
  private async hostAt (host: string, addrs: string[]): Promise<Ask> {
    const mailbox = this.init.libp2p.services.mailbox
    if (host === this.me.toString()) return async requests => mailbox.local(requests)
    const connection = await this.init.connect(host, addrs)
    return async requests => mailbox.request(connection, requests)
  }

  private async connectTo (peer: string): Promise<Connection> {
    const c = await this.init.contacts.getByPeer(peer)
    return this.init.connect(peer, c?.addresses ?? [])
  }

  private async ask (peer: string, requests: Array<Partial<Request>>): Promise<Response[]> {
    return this.init.libp2p.services.mailbox.request(await this.connectTo(peer), requests)
  }
}

type Ask = (requests: Array<Partial<Request>>) => Promise<Response[]>

/** Deposit batches: at most DEPOSIT_BATCH messages and BATCH_BYTES of envelopes each (one always fits). */
function batches (messages: QueuedMessage[]): QueuedMessage[][] {
  const out: QueuedMessage[][] = []
  let current: QueuedMessage[] = []
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

/** The field of an answer a request expects, or the host's refusal as an error. */
function expect<K extends 'page' | 'deleted' | 'receipts' | 'usage'> (r: Response | undefined, field: K): NonNullable<Response[K]> {
  if (r == null) throw new MailboxRefusedError(7, 'no answer')
  if (r.refusal != null) throw new MailboxRefusedError(r.refusal.code, r.refusal.reason)
  const v = r[field]
  if (v == null) throw new MailboxRefusedError(4, `the answer has no ${field}`)
  return v as NonNullable<Response[K]>
}
