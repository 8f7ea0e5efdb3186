/**
 * Resume after sleep or a network change: a daemon on a laptop is suspended and
 * moved between networks; its connections die silently and the outbox may sit in a long backoff.
 * WakeWatch ticks every TICK_MS and calls `onWake` when a tick arrives much later than due (the
 * process was suspended) or when the machine's interface addresses changed; the daemon then
 * re-dials its contacts and flushes the outbox (Ferry.resume).
 */
import { networkInterfaces } from 'node:os'

export const TICK_MS = 5_000
/** a tick this late means the process was asleep */
export const SLEEP_GAP_MS = 15_000

export type WakeReason = 'sleep' | 'network'

/** The machine's non-internal addresses, as one comparable string. */
export function addressFingerprint (interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string {
  const out: string[] = []
  for (const [name, addrs] of Object.entries(interfaces)) {
    for (const a of addrs ?? []) if (!a.internal) out.push(`${name}:${a.address}`)
  }
  return out.sort().join(',')
}

export class WakeWatch {
  private timer?: ReturnType<typeof setInterval>
  private last: number
  private addresses: string

  constructor (private readonly onWake: (reason: WakeReason) => void, private readonly opts: { now?: () => number, fingerprint?: () => string } = {}) {
    this.last = this.now()
    this.addresses = this.fingerprint()
  }

  start (): void {
    this.timer = setInterval(() => { this.tick() }, TICK_MS)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
  }

  /** One tick (the timer calls it; tests call it with a moved clock). */
  tick (): void {
    const now = this.now()
    const late = now - this.last > SLEEP_GAP_MS
    this.last = now
    const addresses = this.fingerprint()
    const moved = addresses !== this.addresses
    this.addresses = addresses
    if (late) this.onWake('sleep')
    else if (moved) this.onWake('network')
  }

  private now (): number {
    return (this.opts.now ?? Date.now)()
  }

  private fingerprint (): string {
    return (this.opts.fingerprint ?? addressFingerprint)()
  }
}
