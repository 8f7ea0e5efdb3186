/**
 * Outbox: every queued message ends in a visible state (invariant 5). Direct delivery is tried
 * at once, again immediately when the peer connects, and otherwise with exponential backoff.
 * Work is serialized per peer so one stream carries a peer's messages in order.
 */
import { RETRY_INITIAL_MS, RETRY_MAX_MS } from '../constants.js'
import { EnvelopeRejectedError, Rejection } from '../services/dm/index.js'
import { DeliveryReceipt } from '../receipts/pb/receipt.js'
import { GroupCommit } from '../util/group-commit.js'
import type { Delivered, MessageStore, OutgoingMessage, QueuedMessage } from '../stores/stores.js'
import type { AbortOptions, Connection, Logger } from '@libp2p/interface'

/** Queued messages read per page; at most two pages are held in flight. */
export const FLUSH_PAGE = 512

export interface OutboxInit {
  messages: MessageStore
  /** a connection to the peer, or throw when it cannot be reached */
  connect(peer: string, options?: AbortOptions): Promise<Connection>
  /** send one envelope on the connection; resolves with the verified receipt */
  deliver(connection: Connection, envelope: Uint8Array, options?: AbortOptions): Promise<DeliveryReceipt>
  /**
   * Leave messages at the recipient's mailboxes; resolves with how many were stored.
   * Called for messages still 'queued' once the recipient stayed unreachable for `graceMs`.
   */
  deposit?(peer: string, messages: QueuedMessage[]): Promise<number>
  /** how long after sending an unreachable recipient's message goes to its mailboxes */
  graceMs?: number
  now(): number
  log: Logger
  retryInitialMs?: number
  retryMaxMs?: number
}

/** Rejections that will not change on a retry: the message is failed with the receiver's reason. */
const FINAL = new Set([Rejection.Code.MALFORMED, Rejection.Code.NOT_FOR_ME, Rejection.Code.TOO_LARGE, Rejection.Code.UNSUPPORTED_VERSION, Rejection.Code.REFUSED])

export class Outbox {
  private readonly running = new Map<string, Promise<void>>()
  private readonly again = new Set<string>()
  private readonly retries = new Map<string, { timer: ReturnType<typeof setTimeout>, delay: number }>()
  /** a pass waiting for its messages in flight, to be woken when more are queued */
  private readonly wake = new Map<string, () => void>()
  private stopped = false

  private readonly receipts: GroupCommit<Delivered, void>

  constructor (private readonly init: OutboxInit) {
    this.receipts = new GroupCommit(async batch => {
      await init.messages.markDelivered(batch)
      return batch.map(() => undefined)
    })
  }

  /** Try every peer that has queued messages (on start and on network change). */
  async flushAll (): Promise<void> {
    const peers = new Set((await this.init.messages.queued()).map(m => m.peer)) // once, at start
    await Promise.all([...peers].map(async p => this.flush(p)))
  }

  /** The peer just connected: forget the backoff and deliver now. */
  onConnect (peer: string): void {
    this.clearRetry(peer)
    void this.flush(peer)
  }

  /** Deliver the peer's queued messages; a call during a pass runs one more pass after it. */
  async flush (peer: string): Promise<void> {
    if (this.stopped) return
    const current = this.running.get(peer)
    if (current != null) {
      this.again.add(peer)
      this.wake.get(peer)?.()
      return current
    }
    const run = (async () => {
      do {
        this.again.delete(peer)
        await this.pass(peer)
      } while (this.again.has(peer) && !this.stopped)
    })().catch((err: any) => {
      // the store failed (or closed under a stopping node): the messages stay queued for a later pass
      if (!this.stopped) this.init.log.error('delivery pass for %s failed - %e', peer, err)
    }).finally(() => this.running.delete(peer))
    this.running.set(peer, run)
    return run
  }

  /** Resolves when no delivery pass runs (after stop(), so the store can close). */
  async idle (): Promise<void> {
    await Promise.allSettled([...this.running.values()])
  }

  stop (): void {
    this.stopped = true
    for (const r of this.retries.values()) clearTimeout(r.timer)
    this.retries.clear()
  }

  /**
   * One pass: read the peer's queue page by page with a cursor (each row once), pipeline every
   * live envelope onto one connection, holding at most two pages in memory. Messages queued while
   * the pass runs join it behind the cursor without waiting for those in flight (a pass that
   * drained first would stop the pipeline once per burst); one more pass from the start follows,
   * for anything queued again below the cursor.
   */
  private async pass (peer: string): Promise<void> {
    let connection: Connection | undefined
    let unreachable = false
    let after = 0
    let failed = false
    let waiting = Infinity // when the next message's grace period ends
    let joined = false
    const pending = new Set<Promise<void>>()
    while (!failed) {
      const page = await this.init.messages.queued(peer, { afterSeq: after, limit: FLUSH_PAGE })
      if (page.length === 0) {
        if (connection == null || (pending.size === 0 && !this.again.has(peer))) break
        if (!this.again.has(peer)) await new Promise<void>(resolve => { this.wake.set(peer, resolve); void Promise.all(pending).then(() => { resolve() }) })
        this.wake.delete(peer)
        if (!this.again.delete(peer)) break
        joined = true
        continue
      }
      after = page[page.length - 1].seq
      const live = await this.expire(page)
      if (live.length === 0) continue
      if (connection == null && !unreachable) {
        try {
          connection = await this.init.connect(peer)
        } catch (err: any) {
          this.init.log('%s unreachable, %d+ queued: %s', peer, live.length, err.message)
          unreachable = true
        }
      }
      if (connection == null) {
        waiting = Math.min(waiting, await this.toMailboxes(peer, live))
        continue
      }
      for (const m of live) {
        const sent: Promise<void> = this.deliverOne(connection, m)
          .catch(() => { failed = true })
          .finally(() => pending.delete(sent))
        pending.add(sent)
      }
      while (pending.size > FLUSH_PAGE && !failed) await Promise.race(pending)
    }
    await Promise.all(pending)
    if (joined) this.again.add(peer)
    if (unreachable) this.scheduleRetry(peer, waiting - this.init.now())
    else if (failed) this.scheduleRetry(peer)
    else this.clearRetry(peer)
  }

  /**
   * The recipient is unreachable: messages past the grace period go to its mailboxes (those with
   * custody stay queued for direct delivery too; the recipient deduplicates).
   *
   * @returns when the next message's grace period ends (Infinity: none waits)
   */
  private async toMailboxes (peer: string, live: QueuedMessage[]): Promise<number> {
    const deposit = this.init.deposit
    if (deposit == null) return Infinity
    const grace = this.init.graceMs ?? 0
    const now = this.init.now()
    const due = live.filter(m => m.status === 'queued' && m.createdAt + grace <= now)
    if (due.length > 0) {
      try {
        const n = await deposit(peer, due)
        if (n > 0) this.init.log('%d messages for %s left at its mailboxes', n, peer)
      } catch (err: any) {
        this.init.log('could not deposit for %s: %s', peer, err.message)
      }
    }
    return Math.min(Infinity, ...live.filter(m => m.status === 'queued' && m.createdAt + grace > now).map(m => m.createdAt + grace))
  }

  /** Deliver one message; resolve when it reached a final state, reject when it should be retried. */
  private async deliverOne (connection: Connection, m: OutgoingMessage): Promise<void> {
    try {
      const receipt = await this.init.deliver(connection, m.envelope)
      await this.receipts.add({ id: m.id, peer: m.peer, receipt: DeliveryReceipt.encode(receipt), deliveredAt: this.init.now() })
    } catch (err: any) {
      if (err instanceof EnvelopeRejectedError && FINAL.has(err.code)) {
        await this.init.messages.markStatus(m.id, 'failed', err.message, m.peer)
        return
      }
      if (err instanceof EnvelopeRejectedError && err.code === Rejection.Code.EXPIRED) {
        await this.init.messages.markStatus(m.id, 'expired', undefined, m.peer)
        return
      }
      throw err
    }
  }

  /** Mark expired messages (invariant 4: nothing is delivered after expiresAt) and return the rest. */
  private async expire (queued: QueuedMessage[]): Promise<QueuedMessage[]> {
    const now = this.init.now()
    const live: QueuedMessage[] = []
    for (const m of queued) {
      if (m.expiresAt <= now) await this.init.messages.markStatus(m.id, 'expired', undefined, m.peer)
      else live.push(m)
    }
    return live
  }

  /** Retry with backoff, and no later than `atMost` ms from now (a grace period ending). */
  private scheduleRetry (peer: string, atMost = Infinity): void {
    if (this.stopped) return
    const prev = this.retries.get(peer)
    if (prev != null) clearTimeout(prev.timer)
    const initial = this.init.retryInitialMs ?? RETRY_INITIAL_MS
    const delay = prev == null ? initial : Math.min(prev.delay * 2, this.init.retryMaxMs ?? RETRY_MAX_MS)
    const timer = setTimeout(() => { void this.flush(peer) }, Math.max(0, Math.min(delay, atMost + 1)))
    this.retries.set(peer, { timer, delay })
  }

  private clearRetry (peer: string): void {
    const r = this.retries.get(peer)
    if (r != null) clearTimeout(r.timer)
    this.retries.delete(peer)
  }
}
