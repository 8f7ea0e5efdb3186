/**
 * Group commit (DESIGN.md invariant 3: "under load, commit envelopes in small batches rather than
 * one transaction each"). Items added while the event loop is busy with the same burst of network
 * input are committed together; each `add` resolves only after its batch committed.
 */

/** Run `fn` after pending I/O callbacks: setImmediate where it exists (Node), else a 0 ms timer. */
export const afterIO: (fn: () => void) => void = typeof (globalThis as any).setImmediate === 'function'
  ? (fn) => (globalThis as any).setImmediate(fn)
  : (fn) => { setTimeout(fn, 0) }

interface Pending<T, R> { item: T, resolve(r: R): void, reject(err: Error): void }

export class GroupCommit<T, R> {
  private pending: Array<Pending<T, R>> = []
  private scheduled = false

  /**
   * @param commit - writes a batch durably, in one transaction; returns one result or Error per item
   * @param maxBatch - largest batch per transaction
   */
  constructor (private readonly commit: (batch: T[]) => Promise<Array<R | Error>>, private readonly maxBatch = 128) {}

  /** Queue `item`; resolves with its result once its batch is durable, rejects with its Error. */
  async add (item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        afterIO(() => { void this.drain() })
      }
    })
  }

  private async drain (): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch)
      try {
        const results = await this.commit(batch.map(p => p.item))
        batch.forEach((p, i) => { const r = results[i]; r instanceof Error ? p.reject(r) : p.resolve(r) })
      } catch (err: any) {
        for (const p of batch) p.reject(err)
      }
    }
    this.scheduled = false
  }
}
