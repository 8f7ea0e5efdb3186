/**
 * FerryTab: the Ferry peer living in this browser tab, and what keeps it caught up. A tab
 * sleeps, loses its network and its relay: on `online`, on becoming visible, and
 * when a daemon connection drops, it re-dials its daemons (re-taking relay slots), re-dials
 * contacts, flushes the outbox and fetches waiting mail. The UI follows changes through `version`
 * (bumped on every message, contact or connection change) rather than holding its own copy.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { targetOf } from '../../protocol/reach/multiaddrs.js'
import type { Ferry } from '../../protocol/ferry.js'
import type { FerryStores } from '../../protocol/stores/stores.js'
import type { Exported, Progress } from '../backup.js'

/** How often the tab looks for changed messages (a cheap indexed IndexedDB read). */
export const WATCH_MS = 700
/** Waiting mail and delivery receipts are fetched this often while the tab is visible. */
export const COLLECT_MS = 15_000
/** After a daemon connection drops, the first reconnect attempt waits this long, then doubles up to RECONNECT_MAX_MS. */
export const RECONNECT_MS = 1_000
export const RECONNECT_MAX_MS = 30_000
/** Changes within this window reach the UI as one re-render. */
export const CHANGE_COALESCE_MS = 50

export class FerryTab extends EventTarget {
  /** bumped on every change the UI may show */
  version = 0
  /** the last catch-up problem, for the status line */
  problem?: string
  private rev = 0
  /** what message requests held at the last look ("peers/messages") */
  private requests = ''
  /** what the team rooms showed at the last look */
  private rooms = ''
  /** the own device list at the last look (peer ids) */
  private devices = ''
  private watch?: ReturnType<typeof setInterval>
  private collector?: ReturnType<typeof setInterval>
  private unwatch?: () => void
  private reconnect?: ReturnType<typeof setTimeout>
  private notice?: ReturnType<typeof setTimeout>
  private backoff = RECONNECT_MS
  private catching?: Promise<void>
  private readonly listeners: Array<[EventTarget, string, () => void]> = []

  /**
   * @param daemons - multiaddrs (with /p2p/) of the daemons this browser joins through
   * @param exportBackup - seal this browser's identity into a backup file (Settings → Backup)
   */
  constructor (readonly ferry: Ferry, readonly stores: FerryStores, readonly daemons: string[], readonly exportBackup?: (history: boolean, progress: Progress) => Promise<Exported>) {
    super()
  }

  /** the daemons' peer ids */
  daemonPeers (): string[] {
    return [...new Set(this.daemons.map(d => targetOf(multiaddr(d))).filter((p): p is string => p != null))]
  }

  async start (): Promise<void> {
    const latest = await this.stores.messages.list({ changedAfter: 0 })
    this.rev = latest.reduce((max, m) => Math.max(max, m.rev), 0)
    await this.ferry.start()
    const presence = this.ferry.presence
    this.unwatch = presence.watch((event, peer) => {
      this.changed()
      if (event === 'close' && this.daemonPeers().includes(peer) && !presence.connected(peer)) this.scheduleReconnect()
      if (event === 'open' && this.daemonPeers().includes(peer)) this.backoff = RECONNECT_MS
    })
    this.on(window, 'online', () => { void this.catchUp('online') })
    this.on(document, 'visibilitychange', () => { if (document.visibilityState === 'visible') void this.catchUp('visible') })
    this.watch = setInterval(() => { void this.look() }, WATCH_MS)
    this.collector = setInterval(() => { if (document.visibilityState === 'visible') void this.collect() }, COLLECT_MS)
    void this.catchUp('start')
  }

  async stop (): Promise<void> {
    clearInterval(this.watch)
    clearInterval(this.collector)
    clearTimeout(this.reconnect)
    clearTimeout(this.notice)
    for (const [target, type, fn] of this.listeners.splice(0)) target.removeEventListener(type, fn)
    this.unwatch?.()
    await this.ferry.stop()
  }

  /** Tell the UI something changed (after a local action too); a burst of changes is one notice per CHANGE_COALESCE_MS. */
  changed (): void {
    this.version++
    if (this.notice != null) return
    this.notice = setTimeout(() => {
      this.notice = undefined
      this.dispatchEvent(new Event('change'))
    }, CHANGE_COALESCE_MS)
  }

  /**
   * Reconnect and catch up: daemons (relay slots and DHT entry), contacts, outbox, mailboxes.
   * Concurrent calls share one run.
   */
  async catchUp (reason: string): Promise<void> {
    this.catching ??= (async () => {
      const signal = AbortSignal.timeout(10_000)
      const reached = await Promise.allSettled(this.daemons.map(async d => this.ferry.presence.dial(d, { signal })))
      const up = new Set(reached.flatMap(r => r.status === 'fulfilled' ? [r.value] : []))
      const down = this.daemonPeers().filter(p => !up.has(p))
      this.problem = this.daemons.length === 0 ? 'no daemon configured: add one in Settings' : down.length === this.daemonPeers().length ? `cannot reach ${down.length === 1 ? 'the daemon' : 'any daemon'} (${reason})` : undefined
      if (down.length > 0) this.scheduleReconnect()
      await this.ferry.resume()
      await this.collect()
    })().finally(() => {
      this.catching = undefined
      this.changed()
    })
    return this.catching
  }

  /** Fetch waiting mail and delivery receipts (when this peer uses mailboxes or has mail stored at some). */
  private async collect (): Promise<void> {
    try {
      await this.ferry.collectMail()
    } catch {}
    await this.look()
  }

  private scheduleReconnect (): void {
    if (this.reconnect != null) return
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined
      void this.catchUp('a daemon connection was lost')
    }, this.backoff)
    this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS)
  }

  /** Any message written (or message request, room or own device list changed) since the last look: tell the UI. */
  private async look (): Promise<void> {
    const changed = await this.stores.messages.list({ changedAfter: this.rev, limit: 500 }).catch(() => [])
    const usage = await this.stores.messages.requestUsage().catch(() => undefined)
    const requests = usage == null ? this.requests : `${usage.peers}/${usage.messages}`
    const rooms = JSON.stringify((await this.ferry.groups?.list().catch(() => []) ?? []).map(g => [g.group, g.epoch, g.latest, g.progress, g.unread, g.keys, g.converged]))
    const devices = (await this.ferry.devices.views().catch(() => [])).map(d => d.device).join(' ')
    if (changed.length === 0 && requests === this.requests && rooms === this.rooms && devices === this.devices) return
    this.requests = requests
    this.rooms = rooms
    this.devices = devices
    this.rev = changed.reduce((max, m) => Math.max(max, m.rev), this.rev)
    this.changed()
  }

  private on (target: EventTarget, type: string, fn: () => void): void {
    target.addEventListener(type, fn)
    this.listeners.push([target, type, fn])
  }
}
