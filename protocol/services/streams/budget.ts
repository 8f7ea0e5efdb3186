/**
 * Budgets for what a peer can make this node do: token buckets, one per key (a peer id, an owner,
 * an address), refilled continuously, on an injected clock. The map of buckets is bounded: past
 * `maxKeys` the least recently used bucket is forgotten (a forgotten key starts full again, so
 * per-key budgets are paired with a global one wherever many keys are cheap to make).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()

  /**
   * @param perSecond - tokens added to each bucket per second
   * @param burst - a bucket's size (a new key starts full)
   * @param now - the clock, in ms
   * @param maxKeys - buckets kept at most
   */
  constructor (private readonly perSecond: number, private readonly burst: number, private readonly now: () => number, private readonly maxKeys = 10_000) {
    if (!(perSecond >= 0) || !(burst >= 1)) throw new RangeError('a budget needs a rate >= 0 and a burst >= 1')
  }

  /** A budget of `n` per hour per key, all of which may be spent at once. */
  static perHour (n: number, now: () => number, maxKeys?: number): TokenBuckets {
    return new TokenBuckets(n / 3600, n, now, maxKeys)
  }

  /** Spend one token of `key`'s budget; false (and nothing spent) when it is empty. */
  take (key: string): boolean {
    if (!this.has(key)) return false
    const b = this.buckets.get(key) as { tokens: number }
    b.tokens -= 1
    return true
  }

  /** Whether `key` has a token left, spending nothing. */
  has (key: string): boolean {
    const t = this.now()
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t }
    b.tokens = Math.min(this.burst, b.tokens + Math.max(0, t - b.at) * this.perSecond / 1000)
    b.at = t
    this.buckets.delete(key) // re-inserted last: the map's order is the order of use
    this.buckets.set(key, b)
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string)
    return b.tokens >= 1
  }
}
