/**
 * The owner collecting its mail: fetch every page waiting at a host, store each envelope (the
 * Inbox), and ack it there and at every sibling host with delivery receipts the depositors can
 * collect. One collection per host at a time; one asked for meanwhile runs once more after it.
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { checkEnvelope, decodeEnvelope, toHex } from '../messaging/envelope.js'
import { InvalidEnvelopeError } from '../errors.js'
import { signReceipt } from '../receipts/receipt.js'
import { DeliveryReceipt } from '../receipts/pb/receipt.js'
import { FETCH_PAGE } from './constants.js'
import { verifyDeletion } from './signed.js'
import type { MailboxClient } from './client.js'
import type { HostLinks } from './links.js'
import type { Page } from './pb/mailbox.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { decodeEnvelope as DecodeEnvelope } from '../messaging/envelope.js'
import type { Identity } from '../crypto/identity.js'
import type { Ed25519PrivateKey, Logger, PeerId } from '@libp2p/interface'

export interface CollectorInit {
  /** the hosts this node's mail waits at */
  hosts(): Promise<string[]>
  links: HostLinks
  identity: Identity
  crypto: CryptoBackend
  peerId: PeerId
  now(): number
  log: Logger
  /** this identity's signed device list when it has several devices: a host serves each device its own mail */
  devices?(): Promise<Uint8Array | undefined>
  /** decrypt and durably store an envelope received from `from` (the Inbox) */
  accept(env: ReturnType<typeof DecodeEnvelope>, bytes: Uint8Array, from: PeerId): Promise<{ storedAt: number }>
}

/** What a collection from one host did. */
export interface Collected { host: string, fetched: number, stored: number, acked: number }

interface Acks { ids: Uint8Array[], depositors: Uint8Array[], receipts: Uint8Array[] }

export class Collector {
  private readonly collecting = new Map<string, Promise<Collected>>()
  /** one more round per host, asked for while a round was on */
  private readonly again = new Map<string, Promise<Collected>>()

  constructor (private readonly init: CollectorInit) {}

  /** Fetch from every host of the set (on start, on connect, periodically). */
  async collect (): Promise<Collected[]> {
    const hosts = await this.init.hosts()
    const results = await Promise.allSettled(hosts.map(async h => this.collectFrom(h)))
    return results.flatMap(r => r.status === 'fulfilled' ? [r.value] : [])
  }

  /** Fetch all waiting mail from one host, store it, and ack it there and at every sibling. */
  async collectFrom (host: string): Promise<Collected> {
    const running = this.collecting.get(host)
    if (running != null) {
      // a round is on, begun before whatever made this caller ask (a revoked device, say: the round
      // shows the host the list it read when it began): one more round after it, shared by every
      // caller meanwhile
      let next = this.again.get(host)
      if (next == null) {
        next = running.catch(() => {}).then(async () => {
          this.again.delete(host)
          return await this.collectFrom(host)
        })
        this.again.set(host, next)
      }
      return next
    }
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
    const client = await this.init.links.contact(host)
    const devices = await this.init.devices?.()
    let acking: Promise<void> = Promise.resolve()
    let next: Promise<Page> | undefined = client.fetch(0, FETCH_PAGE, undefined, devices)
    while (next != null) {
      const page: Page = await next
      next = page.more && page.items.length > 0 ? client.fetch(page.items[page.items.length - 1].cursor, FETCH_PAGE, undefined, devices) : undefined
      next?.catch(() => {}) // awaited on the next turn; a failure then ends the round
      done.fetched += page.items.length
      const taken = await Promise.all(page.items.map(async item => this.take(item.envelope, item.depositor)))
      const kept = page.items.filter((_, i) => taken[i] != null)
      const ids = taken.flatMap(t => t == null ? [] : [t.id])
      const depositors = kept.map(item => item.depositor)
      const receipts = taken.flatMap(t => t?.receipt == null ? [] : [t.receipt])
      done.stored += receipts.length
      if (ids.length > 0) acking = acking.then(async () => { done.acked += await this.ackEverywhere(host, client, { ids, depositors, receipts }, devices) })
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
    const { log, crypto, peerId } = this.init
    let env
    try {
      env = decodeEnvelope(bytes)
    } catch {
      return undefined
    }
    const problem = checkEnvelope(env, peerId.toMultihash().bytes, this.init.now())
    if (problem != null) {
      log('dropping mail %s from a mailbox: %s', toHex(env.id), problem.reason)
      return { id: env.id }
    }
    try {
      const from = peerIdFromMultihash(Digest.decode(depositor))
      const { storedAt } = await this.init.accept(env, bytes, from)
      const receipt = await signReceipt(this.init.identity.deviceKey as Ed25519PrivateKey, peerId, env.id, await crypto.sha256(bytes), storedAt, crypto)
      return { id: env.id, receipt: DeliveryReceipt.encode(receipt) }
    } catch (err: any) {
      if (err instanceof InvalidEnvelopeError || err.name === 'InvalidMultihashError' || err.name === 'UnsupportedKeyTypeError') {
        log('dropping mail %s from a mailbox that cannot be opened: %s', toHex(env.id), err.message)
        return { id: env.id }
      }
      log.error('could not store mail %s from a mailbox - %e', toHex(env.id), err)
      return undefined
    }
  }

  /** Ack at the host fetched from and at every other host of the set that can be reached now. */
  private async ackEverywhere (host: string, client: MailboxClient, ack: Acks, devices?: Uint8Array): Promise<number> {
    const deleted = await client.ack(ack, undefined, devices)
    await verifyDeletion(deleted, peerIdFromString(host), this.init.crypto)
    const siblings = (await this.init.hosts()).filter(h => h !== host)
    await Promise.allSettled(siblings.map(async s => (await this.init.links.contact(s)).ack(ack, undefined, devices)))
    return deleted.ids.length
  }
}
