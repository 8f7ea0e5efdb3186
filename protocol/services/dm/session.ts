/**
 * The sending side of one long-lived `/ferry/dm/1.0.0` stream: writes envelopes without waiting,
 * keeps at most `maxInFlight` unanswered, and matches replies to senders by message id.
 */
import { toHex } from '../../messaging/envelope.js'
import { afterIO } from '../../util/group-commit.js'
import { frameStream, RAW } from '../streams/frames.js'
import { MAX_REPLY_BYTES } from './constants.js'
import { DmStreamClosedError } from './errors.js'
import { DmReply } from './pb/dm.js'
import type { FrameStream } from '../streams/frames.js'
import type { AbortOptions, Logger, Stream } from '@libp2p/interface'

interface Waiter {
  resolve(reply: DmReply): void
  reject(err: Error): void
  sentAt: number
}

export class DmSession {
  private readonly frames: FrameStream
  private readonly waiting = new Map<string, Waiter>()
  private readonly slotWaiters: Array<() => void> = []
  private closedWith?: Error
  private outgoing: Uint8Array[] = []
  private writing: Promise<void> = Promise.resolve()

  private watchdog?: ReturnType<typeof setInterval>

  /**
   * @param receiptTimeout - the stream is closed (and everything in flight failed, to be resent)
   * when the oldest envelope waits longer than this for its reply. One timer per session, not one
   * per message: a timer per message costs more than the message.
   */
  constructor (readonly stream: Stream, private readonly maxInFlight: number, private readonly receiptTimeout: number, private readonly log: Logger) {
    this.frames = frameStream(stream, { maxDataLength: MAX_REPLY_BYTES })
    void this.readReplies()
  }

  get open (): boolean {
    return this.closedWith == null && this.stream.status === 'open' && this.stream.writeStatus === 'writable'
  }

  /** Write one envelope and wait for the reply that names its id. */
  async send (id: Uint8Array, envelope: Uint8Array, options: AbortOptions = {}): Promise<DmReply> {
    while (this.waiting.size >= this.maxInFlight && this.closedWith == null) {
      await new Promise<void>(resolve => this.slotWaiters.push(resolve))
    }
    if (this.closedWith != null) throw this.closedWith
    const key = toHex(id)
    if (this.waiting.has(key)) throw new DmStreamClosedError('this message is already in flight on the stream')
    const reply = new Promise<DmReply>((resolve, reject) => this.waiting.set(key, { resolve, reject, sentAt: Date.now() }))
    // when the write fails first, nobody awaits `reply`, and close() rejects it: an unhandled
    // rejection would end the whole process (found by `ferry sim` stopping peers mid-write)
    reply.catch(() => {})
    this.watch()
    const onAbort = (): void => this.close(new DmStreamClosedError('send aborted before the receipt came'))
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await this.write(envelope)
      return await reply
    } catch (err: any) {
      this.close(err instanceof DmStreamClosedError ? err : new DmStreamClosedError(err.message))
      throw this.closedWith ?? err
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
      this.waiting.delete(key)
      this.slotWaiters.shift()?.()
    }
  }

  /**
   * Envelopes sent in the same tick leave in one write (one yamux frame, one Noise record, one
   * syscall) instead of one each: under load that is most of the per-message transport cost.
   */
  private async write (envelope: Uint8Array): Promise<void> {
    this.outgoing.push(envelope)
    if (this.outgoing.length === 1) {
      this.writing = this.writing.then(async () => {
        await new Promise<void>(resolve => afterIO(resolve)) // let every send of this tick join
        const batch = this.outgoing.splice(0)
        await this.frames.writeV(batch, RAW)
      })
    }
    return this.writing
  }

  private watch (): void {
    if (this.watchdog != null) return
    this.watchdog = setInterval(() => {
      const oldest = this.waiting.values().next().value
      if (oldest == null) {
        clearInterval(this.watchdog)
        this.watchdog = undefined
      } else if (Date.now() - oldest.sentAt > this.receiptTimeout) {
        this.close(new DmStreamClosedError(`no receipt within ${this.receiptTimeout} ms`))
      }
    }, Math.max(50, this.receiptTimeout / 4))
  }

  /** Fail everything in flight and abort the stream; the outbox resends later (ids make it idempotent). */
  close (err: Error = new DmStreamClosedError('stream closed')): void {
    if (this.closedWith != null) return
    this.closedWith = err
    clearInterval(this.watchdog)
    for (const w of this.waiting.values()) w.reject(err)
    this.waiting.clear()
    for (const wake of this.slotWaiters.splice(0)) wake()
    this.stream.abort(err)
  }

  private async readReplies (): Promise<void> {
    try {
      while (true) {
        const reply = await this.frames.read(DmReply)
        const w = this.waiting.get(toHex(reply.messageId))
        if (w == null) {
          this.log('reply for a message not in flight; ignoring')
          continue
        }
        w.resolve(reply)
      }
    } catch (err: any) {
      this.close(new DmStreamClosedError(`stream ended: ${err.message}`))
    }
  }
}
