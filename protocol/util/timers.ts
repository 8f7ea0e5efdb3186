/**
 * Timers for expiry. setTimeout takes a 32-bit signed delay: anything longer
 * than 2^31-1 ms (24.8 days) fires after 1 ms instead, and a message may live 30 days. A long
 * timeout here waits in steps of at most MAX_TIMER_MS.
 */

/** The longest delay setTimeout honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1

export interface LongTimer { clear(): void }

/** Call `fn` once, `ms` from now, for any `ms` (steps of at most MAX_TIMER_MS). */
export function setLongTimeout (fn: () => void, ms: number): LongTimer {
  let timer: ReturnType<typeof setTimeout>
  let due = Date.now() + Math.max(0, ms)
  const arm = (): void => {
    const left = due - Date.now()
    if (left <= 0) { fn(); return }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS))
  }
  arm()
  return { clear: () => { clearTimeout(timer); due = Infinity } }
}

export interface SweeperInit {
  /** delete what expired by `now`; resolves with how many went */
  sweep(now: number): Promise<number>
  /** when the next thing expires, if anything does */
  next(): Promise<number | undefined>
  now(): number
  /** called when a sweep fails (the timer is then not re-armed until the next sweep or arm) */
  onError(err: Error): void
}

/**
 * One expiry sweeper for whatever expires: delete what is due, then sleep until the next expiry
 * (long timers: a TTL may exceed 2^31-1 ms). New items with an earlier expiry re-arm it. Used for
 * messages (Ferry's Expiry) and for mail a host keeps (the mailbox service).
 */
export class Sweeper {
  private timer?: LongTimer
  private at = Infinity
  private running = false

  constructor (private readonly init: SweeperInit) {}

  /** Sweep now and keep sweeping at each expiry until stop(). */
  async start (): Promise<number> {
    this.running = true
    return this.sweep()
  }

  stop (): void {
    this.running = false
    this.timer?.clear()
    this.timer = undefined
    this.at = Infinity
  }

  /** Delete what expired now, then sleep until the next expiry (armed only while started). */
  async sweep (): Promise<number> {
    const n = await this.init.sweep(this.init.now())
    this.timer?.clear()
    this.at = Infinity
    const next = await this.init.next()
    if (next != null) this.arm(next)
    return n
  }

  /** Something new expires at `at`: make sure a sweep runs then. */
  arm (at: number): void {
    if (at >= this.at || !this.running) return
    this.timer?.clear()
    this.at = at
    this.timer = setLongTimeout(() => { this.sweep().catch((err: Error) => { this.init.onError(err) }) }, at - this.init.now() + 1)
  }
}
