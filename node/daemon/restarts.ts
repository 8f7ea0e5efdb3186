/**
 * Session restarts after `ferry backup import` (docs/BACKUP.md "Sessions after a restore"): a
 * backup keeps no Double Ratchet session, so the import lists every contact in session_restarts,
 * and the daemon queues a restart control message to each (on a new PQXDH session; through the
 * outbox, so an offline contact gets it from its mailboxes). A contact whose restart cannot be
 * queued yet (no prekey bundle, and unreachable) stays listed and is tried again.
 */
import type { Ferry } from '../../protocol/index.js'
import type { DatabaseSync } from 'node:sqlite'

/** How often contacts still listed are tried again. */
export const RESTART_RETRY_MS = 30_000

export interface PendingRestarts {
  /** resolves when the first round has run */
  first: Promise<void>
  stop(): void
}

/**
 * Queue the listed restarts now, and retry those left until none is.
 *
 * @param log - one line per round (counts only: no keys, no names of contacts)
 */
export function restartSessions (db: DatabaseSync, ferry: Ferry, log: (msg: string) => void, retryMs = RESTART_RETRY_MS): PendingRestarts {
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const round = async (): Promise<void> => {
    const peers = (db.prepare('SELECT peer FROM session_restarts ORDER BY peer').all() as Array<{ peer: string }>).map(r => r.peer)
    if (peers.length === 0 || stopped) return
    let queued = 0
    for (const peer of peers) {
      if (stopped) return
      try {
        await ferry.restartSession(peer)
        queued++
      } catch {
        continue // no bundle yet and unreachable: the next round tries again
      }
      db.prepare('DELETE FROM session_restarts WHERE peer = ?').run(peer)
    }
    const left = peers.length - queued
    log(`restored from a backup: new sessions offered to ${queued} contact${queued === 1 ? '' : 's'}${left > 0 ? `, ${left} to try again` : ''}`)
    if (left > 0 && !stopped) {
      timer = setTimeout(() => { void round().catch(() => {}) }, retryMs)
      timer.unref?.()
    }
  }
  return {
    first: round().catch((err: any) => { log(`session restarts failed: ${err.message}`) }),
    stop: () => {
      stopped = true
      clearTimeout(timer)
    }
  }
}
