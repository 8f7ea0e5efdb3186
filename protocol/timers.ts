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
