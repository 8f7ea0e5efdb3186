/**
 * Replies on an inbound request stream (`/ferry/dm`, `/ferry/mailbox`) leave in arrival order, and
 * every reply that is ready when the writer runs goes out in one write (see DmSession.write for why).
 */
import type { Encoder } from './frames.js'

interface Slot<T> { reply?: T, ready: Promise<void> }
/** Where replies go: a FrameStream. */
interface FrameWriter { writeV<T>(values: T[], codec: Encoder<T>): Promise<void> }

export class ReplyWriter<T> {
  private readonly queue: Array<Slot<T>> = []
  private writing: Promise<void> = Promise.resolve()
  private running = false
  private space: Array<() => void> = []

  /**
   * @param prepare - runs on each batch just before it is written (the dm service signs a batch's
   * receipts there, with one signature)
   */
  constructor (private readonly frames: FrameWriter, private readonly codec: Encoder<T>, private readonly prepare?: (batch: T[]) => Promise<void>) {}

  get size (): number {
    return this.queue.length
  }

  /** Queue the reply to the next envelope; `answer` resolves once the envelope is durably stored. */
  push (answer: Promise<T>): void {
    const slot: Slot<T> = { ready: answer.then(r => { slot.reply = r }) }
    this.queue.push(slot)
    if (!this.running) {
      this.running = true
      this.writing = this.run()
      // a write fails when the peer resets the stream; drained() reports it, but until someone
      // awaits that, the rejection must not count as unhandled (it would end the process)
      this.writing.catch(() => {})
    }
  }

  /** Resolves once fewer than `n` replies wait (the oldest are written), so reading can go on. */
  async below (n: number): Promise<void> {
    while (this.queue.length >= n && this.running) await new Promise<void>(resolve => this.space.push(resolve))
  }

  /** Resolves when every queued reply is written. */
  async drained (): Promise<void> {
    await this.writing
  }

  private async run (): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await this.queue[0].ready
        const batch: T[] = []
        while (this.queue.length > 0 && this.queue[0].reply != null) batch.push(this.queue.shift()?.reply as T)
        await this.prepare?.(batch)
        await this.frames.writeV(batch, this.codec)
        this.wake()
      }
    } finally {
      this.running = false
      this.wake()
    }
  }

  private wake (): void {
    for (const resolve of this.space.splice(0)) resolve()
  }
}
