/**
 * A small seeded PRNG for `ferry sim` plans: xoshiro128** (Blackman & Vigna, 2018) seeded through
 * splitmix32, so the same seed and stream label always give the same numbers on every platform.
 * Not for cryptography: it only decides who sends what, when, and who goes offline.
 */

/** A deterministic random source. */
export interface Random {
  /** a float in [0, 1) */
  next(): number
  /** an integer in [0, max) */
  int(max: number): number
  /** one element of a non-empty list, uniformly */
  pick<T>(list: readonly T[]): T
  /** an exponentially distributed wait with the given rate (events per unit), for Poisson processes */
  exponential(rate: number): number
}

/** splitmix32 step: spreads a 32-bit state into well-mixed 32-bit outputs (used for seeding only). */
function splitmix32 (state: number): [next: number, output: number] {
  const next = (state + 0x9e3779b9) >>> 0
  let z = next
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
  return [next, (z ^ (z >>> 16)) >>> 0]
}

/** FNV-1a over a label, so independent streams ('contacts', 'churn', …) do not share numbers. */
function fnv1a (label: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0
  return h
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0

/**
 * A seeded random source; `stream` names an independent sequence for the same seed, so adding
 * traffic to a scenario does not move its churn windows.
 * @param seed an integer in 0..2^32-1
 * @throws RangeError when the seed is not such an integer
 * @example const r = createRandom(1, 'churn'); r.int(10)
 */
export function createRandom (seed: number, stream = ''): Random {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in 0..4294967295, got ${seed}`)
  let mix = (seed ^ fnv1a(stream)) >>> 0
  const s = new Uint32Array(4)
  for (let i = 0; i < 4; i++) [mix, s[i]] = splitmix32(mix)
  // xoshiro128** must not start from the all-zero state
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0
    const t = (s[1] << 9) >>> 0
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11)
    return result
  }
  const next = (): number => nextU32() / 0x1_0000_0000
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (list) => {
      if (list.length === 0) throw new RangeError('cannot pick from an empty list')
      return list[Math.floor(next() * list.length)]
    },
    // 1 - next() is in (0, 1], so the logarithm is finite
    exponential: (rate) => -Math.log(1 - next()) / rate
  }
}
