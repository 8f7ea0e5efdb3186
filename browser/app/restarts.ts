/**
 * Session restarts after a restore in the web app (docs/BACKUP.md "Sessions after a restore"),
 * as the daemon does them (node/daemon/restarts.ts): the contacts to offer a new session are
 * kept in localStorage (peer ids only), a restart is queued to each, and those that cannot be
 * queued yet (no prekey bundle, unreachable) are tried again every 30 s and at the next start.
 */
import type { Ferry } from '../../protocol/index.js'

const KEY = 'ferry.restarts'
const RETRY_MS = 30_000

function pending (): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]')
    return Array.isArray(v) ? v.filter((p: unknown) => typeof p === 'string') : []
  } catch {
    return []
  }
}

/** List contacts to restart sessions with (after an import, before the peer starts). */
export function listRestarts (peers: string[]): void {
  localStorage.setItem(KEY, JSON.stringify([...new Set([...pending(), ...peers])]))
}

/** Queue the listed restarts now, and retry those left while the tab lives; returns a stop function. */
export function restartSessions (ferry: Ferry): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const round = async (): Promise<void> => {
    for (const peer of pending()) {
      if (stopped) return
      const done = await ferry.restartSession(peer).then(() => true, () => false)
      if (done) localStorage.setItem(KEY, JSON.stringify(pending().filter(p => p !== peer)))
    }
    if (pending().length > 0 && !stopped) timer = setTimeout(() => { void round() }, RETRY_MS)
  }
  void round()
  return () => { stopped = true; clearTimeout(timer) }
}
