/**
 * Token buckets: at most `perSecond` on average and `burst` at once, per key. Bounded memory: past
 * `maxKeys` keys the oldest is forgotten (it starts again full, which favours the attacker only by
 * one burst per eviction, and an attacker with that many keys is held by a global bucket too).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()

  constructor (private readonly perSecond: number, private readonly burst: number, private readonly now: () => number, private readonly maxKeys = 10_000) {}

  /** Take one token for `key`; false when its bucket is empty (nothing is taken then). */
  take (key = ''): boolean {
    const t = this.now()
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t }
    b.tokens = Math.min(this.burst, b.tokens + Math.max(0, t - b.at) * this.perSecond / 1000)
    b.at = t
    this.buckets.delete(key)
    this.buckets.set(key, b)
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string)
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }
}
